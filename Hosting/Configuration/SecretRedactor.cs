using System.Security.Cryptography;
using System.Text;

namespace Sonia.Hosting.Configuration;

/// <summary>
/// Replaces secrets with numbered placeholders, the same placeholder for the same secret throughout one document
/// (a bundle, a backup), so a reader can still see that two settings hold the same value without learning it.
/// A placeholder is a counter, never a hash: a hash of a short password can be guessed offline.
/// </summary>
public sealed class SecretRedactor
{
    /// <summary>Shorter values are not scrubbed from free text: "1" or "on" would blank half a log line.</summary>
    public const int MinimumScrubLength = 4;

    private readonly Dictionary<string, string> _placeholders = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The placeholder standing for <paramref name="secret"/>; empty stays empty (nothing to hide).</summary>
    public string Placeholder(string secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return secret;
        }

        lock (_lock)
        {
            if (!_placeholders.TryGetValue(secret, out var placeholder))
            {
                placeholder = $"[redacted-secret-{_placeholders.Count + 1}]";
                _placeholders[secret] = placeholder;
            }

            return placeholder;
        }
    }

    /// <summary>How many distinct secrets have been seen.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _placeholders.Count;
            }
        }
    }

    /// <summary>
    /// Each placeholder with a keyed fingerprint (HMAC-SHA256 under <paramref name="key"/>) of its secret: lets another
    /// process's redactor give the same secret the same placeholder without the secret leaving this process. The key is
    /// random and used once, so a fingerprint cannot be checked against guesses later.
    /// </summary>
    public IReadOnlyDictionary<string, string> Fingerprints(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            return _placeholders.ToDictionary(
                p => p.Value,
                p => Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(p.Key))).ToLowerInvariant(),
                StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Free text (a log line, an error message) with every secret seen so far replaced by its placeholder:
    /// a second line of defence for text that should never have held one.
    /// </summary>
    public string Scrub(string text)
    {
        KeyValuePair<string, string>[] known;
        lock (_lock)
        {
            known = [.. _placeholders.Where(p => p.Key.Length >= MinimumScrubLength).OrderByDescending(p => p.Key.Length)];
        }

        if (known.Length == 0 || string.IsNullOrEmpty(text))
        {
            return text;
        }

        StringBuilder? scrubbed = null;
        foreach (var (secret, placeholder) in known)
        {
            if ((scrubbed?.ToString() ?? text).Contains(secret, StringComparison.Ordinal))
            {
                scrubbed ??= new StringBuilder(text);
                scrubbed.Replace(secret, placeholder);
            }
        }

        return scrubbed?.ToString() ?? text;
    }
}
