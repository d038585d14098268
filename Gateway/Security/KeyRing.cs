using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;

namespace Sonia.Gateway.Security;

/// <summary>A configured key, by the name it is audited under.</summary>
public sealed record ApiKeyIdentity(string Name, string Role);

/// <summary>What checking a presented key found.</summary>
public enum KeyVerdict
{
    Unknown,
    Known,

    /// <summary>Not checked: the budget of slow checks for keys not seen before is spent for now.</summary>
    Throttled,
}

/// <summary>
/// The configured keys. A presented key is checked against every stored hash (PBKDF2, compared in constant time);
/// the verdict is then remembered under the SHA-256 of the key, so a client pays the slow hash once, not per request.
/// Checks of keys not seen before share a per-second budget (<see cref="AuthOptions.UnknownKeyChecksPerSecond"/>),
/// and a run of guessed keys never evicts the verdicts of the real ones.
/// </summary>
public sealed class KeyRing : IDisposable
{
    /// <summary>Longer bearer values are refused without hashing them.</summary>
    public const int MaxKeyLength = 256;

    private const int MaxRemembered = 4096;

    private readonly IReadOnlyList<(ApiKeyIdentity Identity, StoredHash Hash)> _keys;
    private readonly ConcurrentDictionary<string, ApiKeyIdentity> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _unknown = new(StringComparer.Ordinal);
    private readonly TokenBucketRateLimiter _slowChecks;

    public KeyRing(AuthOptions options)
    {
        _slowChecks = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.UnknownKeyChecksPerSecond,
            TokensPerPeriod = options.UnknownKeyChecksPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
        _keys = options.Keys
            .OrderBy(k => k.Key, StringComparer.Ordinal)
            .Select(k => (new ApiKeyIdentity(k.Key, k.Value.Role), ApiKeyHasher.Parse(k.Value.Hash, out _)!))
            .ToList();
    }

    /// <summary>No keys configured: the gateway may only run in open local mode.</summary>
    public bool IsEmpty => _keys.Count == 0;

    public int Count => _keys.Count;

    /// <summary>The key's identity, or null when it matches no configured key.</summary>
    public ApiKeyIdentity? Find(string presented) => Check(presented, out var identity) == KeyVerdict.Known ? identity : null;

    /// <summary>Whether <paramref name="presented"/> is a configured key (then <paramref name="identity"/> is its identity).</summary>
    public KeyVerdict Check(string presented, out ApiKeyIdentity? identity)
    {
        identity = null;
        if (presented.Length is 0 or > MaxKeyLength)
        {
            return KeyVerdict.Unknown;
        }

        var bytes = Encoding.UTF8.GetBytes(presented);
        var fingerprint = Convert.ToHexString(SHA256.HashData(bytes));
        if (_known.TryGetValue(fingerprint, out identity))
        {
            return KeyVerdict.Known;
        }

        if (_unknown.ContainsKey(fingerprint))
        {
            return KeyVerdict.Unknown;
        }

        using var lease = _slowChecks.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            return KeyVerdict.Throttled;
        }

        ApiKeyIdentity? found = null;
        foreach (var (candidate, hash) in _keys)
        {
            // Every hash is tried even after a match, so the time taken does not tell which key matched.
            if (hash.Matches(bytes) && found is null)
            {
                found = candidate;
            }
        }

        if (found is not null)
        {
            // At most one fingerprint per configured key can land here, so this never grows past the key count.
            _known[fingerprint] = found;
            identity = found;
            return KeyVerdict.Known;
        }

        if (_unknown.Count >= MaxRemembered)
        {
            // Many distinct wrong keys (a guessing run) must not grow memory without bound.
            _unknown.Clear();
        }

        _unknown[fingerprint] = true;
        return KeyVerdict.Unknown;
    }

    public void Dispose() => _slowChecks.Dispose();
}
