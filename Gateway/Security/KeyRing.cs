using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Sonia.Gateway.Security;

/// <summary>A configured key, by the name it is audited under.</summary>
public sealed record ApiKeyIdentity(string Name, string Role);

/// <summary>
/// The configured keys. A presented key is checked against every stored hash (PBKDF2, compared in constant time);
/// the verdict is then remembered under the SHA-256 of the key, so a client pays the slow hash once, not per request.
/// </summary>
public sealed class KeyRing
{
    /// <summary>Longer bearer values are refused without hashing them.</summary>
    public const int MaxKeyLength = 256;

    private const int MaxRemembered = 4096;

    private readonly IReadOnlyList<(ApiKeyIdentity Identity, StoredHash Hash)> _keys;
    private readonly ConcurrentDictionary<string, ApiKeyIdentity?> _verdicts = new(StringComparer.Ordinal);

    public KeyRing(AuthOptions options)
    {
        _keys = options.Keys
            .OrderBy(k => k.Key, StringComparer.Ordinal)
            .Select(k => (new ApiKeyIdentity(k.Key, k.Value.Role), ApiKeyHasher.Parse(k.Value.Hash, out _)!))
            .ToList();
    }

    /// <summary>No keys configured: the gateway may only run in open local mode.</summary>
    public bool IsEmpty => _keys.Count == 0;

    public int Count => _keys.Count;

    /// <summary>The key's identity, or null when it matches no configured key.</summary>
    public ApiKeyIdentity? Find(string presented)
    {
        if (presented.Length is 0 or > MaxKeyLength)
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(presented);
        var fingerprint = Convert.ToHexString(SHA256.HashData(bytes));
        if (_verdicts.TryGetValue(fingerprint, out var known))
        {
            return known;
        }

        ApiKeyIdentity? found = null;
        foreach (var (identity, hash) in _keys)
        {
            // Every hash is tried even after a match, so the time taken does not tell which key matched.
            if (hash.Matches(bytes) && found is null)
            {
                found = identity;
            }
        }

        if (_verdicts.Count >= MaxRemembered)
        {
            // Many distinct wrong keys (a guessing run) must not grow memory without bound.
            _verdicts.Clear();
        }

        _verdicts[fingerprint] = found;
        return found;
    }
}
