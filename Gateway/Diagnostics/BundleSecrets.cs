using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Sonia.Hosting.Configuration;

namespace Sonia.Gateway.Diagnostics;

/// <summary>
/// The one <see cref="SecretRedactor"/> of a bundle, and the renumbering of each silo's placeholders into it. A silo
/// redacts with its own numbering and sends, per placeholder, a fingerprint keyed by <see cref="Key"/> (random, used for
/// this bundle only): equal fingerprints are the same secret, so it gets the same placeholder in every file, while
/// the secret itself never leaves the silo.
/// </summary>
public sealed partial class BundleSecrets
{
    private readonly Dictionary<string, string> _byFingerprint = new(StringComparer.Ordinal);

    public SecretRedactor Redactor { get; } = new();

    public byte[] Key { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>Records the fingerprints of the secrets this process's redactor has seen so far.</summary>
    public void AdoptOwn()
    {
        foreach (var (placeholder, fingerprint) in Redactor.Fingerprints(Key))
        {
            _byFingerprint.TryAdd(fingerprint, placeholder);
        }
    }

    /// <summary>Maps each of a silo's placeholders to this bundle's placeholder for the same secret.</summary>
    public IReadOnlyDictionary<string, string> Renumbering(IReadOnlyDictionary<string, string> siloFingerprints)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (placeholder, fingerprint) in siloFingerprints)
        {
            if (!_byFingerprint.TryGetValue(fingerprint, out var ours))
            {
                // A secret only that silo has: it still takes the next number here (the text stands for the secret).
                ours = Redactor.Placeholder("fingerprint:" + fingerprint);
                _byFingerprint[fingerprint] = ours;
            }

            map[placeholder] = ours;
        }

        return map;
    }

    /// <summary>
    /// <paramref name="text"/> from a silo with its placeholders renumbered, then scrubbed of every secret this bundle
    /// knows (a second line of defence). A placeholder the silo did not account for cannot be renumbered: it is blanked
    /// rather than left looking like one of ours.
    /// </summary>
    public string FromSilo(string text, IReadOnlyDictionary<string, string> renumbering) =>
        Redactor.Scrub(Placeholder().Replace(text, m => renumbering.TryGetValue(m.Value, out var ours) ? ours : "[redacted-secret-?]"));

    [GeneratedRegex(@"\[redacted-secret-\d+\]")]
    private static partial Regex Placeholder();
}
