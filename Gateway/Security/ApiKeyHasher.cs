using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sonia.Gateway.Security;

/// <summary>
/// The stored form of an API key: <c>pbkdf2-sha256:&lt;iterations&gt;:&lt;salt hex&gt;:&lt;hash hex&gt;</c>, what
/// <c>deploy/hash-key.sh</c> prints. The salt is random per key and the iteration count travels with the hash,
/// so it can be raised later without invalidating keys already issued.
/// </summary>
public static class ApiKeyHasher
{
    public const string Scheme = "pbkdf2-sha256";
    public const int DefaultIterations = 100_000;

    /// <summary>Below this a hash is refused at start-up: it would be too cheap to guess.</summary>
    public const int MinIterations = 1_000;

    private const int MaxIterations = 10_000_000;

    public static string Hash(string key, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(key), salt, iterations, HashAlgorithmName.SHA256, 32);
        var count = iterations.ToString(CultureInfo.InvariantCulture);
        return $"{Scheme}:{count}:{Convert.ToHexStringLower(salt)}:{Convert.ToHexStringLower(hash)}";
    }

    /// <summary>Parses a stored hash; null, with the reason, when it is not one.</summary>
    public static StoredHash? Parse(string? text, out string? problem)
    {
        problem = null;
        var parts = (text ?? string.Empty).Split(':');
        if (parts.Length != 4 || parts[0] != Scheme)
        {
            problem = $"must have the form {Scheme}:<iterations>:<salt hex>:<hash hex> (what deploy/hash-key.sh prints)";
            return null;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
            || iterations is < MinIterations or > MaxIterations)
        {
            problem = $"iteration count must be between {MinIterations} and {MaxIterations}";
            return null;
        }

        try
        {
            var salt = Convert.FromHexString(parts[2]);
            var hash = Convert.FromHexString(parts[3]);
            if (salt.Length < 8 || hash.Length != 32)
            {
                problem = "salt must be at least 8 bytes and the hash 32 bytes";
                return null;
            }

            return new StoredHash(iterations, salt, hash);
        }
        catch (FormatException)
        {
            problem = "salt and hash must be hexadecimal";
            return null;
        }
    }
}

/// <summary>A parsed key hash; compares a presented key in constant time.</summary>
public sealed class StoredHash(int iterations, byte[] salt, byte[] hash)
{
    public bool Matches(ReadOnlySpan<byte> key)
    {
        Span<byte> candidate = stackalloc byte[32];
        Rfc2898DeriveBytes.Pbkdf2(key, salt, candidate, iterations, HashAlgorithmName.SHA256);
        return CryptographicOperations.FixedTimeEquals(candidate, hash);
    }
}
