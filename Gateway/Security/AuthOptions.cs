using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;

namespace Sonia.Gateway.Security;

/// <summary><c>Sonia:Auth</c>: the API keys (as salted hashes) and the request rate each role may use.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Sonia:Auth";

    /// <summary>Key name (the audited actor) → role and hash. Empty means open local mode, allowed on loopback only.</summary>
    public Dictionary<string, ApiKeyOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Presented keys not seen before that may be checked against the stored hashes per second, all callers together.
    /// Each check costs one slow hash per configured key, so a run of guessed keys must not be able to buy the gateway's
    /// CPU; past the budget an unknown key is answered 429 with Retry-After. Keys already verified are not counted.
    /// </summary>
    [Range(1, 10_000)]
    public int UnknownKeyChecksPerSecond { get; set; } = 20;

    /// <summary>Requests per minute per key, by role; 0 means unlimited.</summary>
    [ValidateObjectMembers]
    public RoleRateLimits RateLimits { get; set; } = new();

    /// <summary>Names that already mean something in the audit trail; a key may not impersonate them.</summary>
    public static readonly IReadOnlySet<string> ReservedNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "system", "anonymous", OpenLocalMode.ActorName,
    };

    /// <summary>Binds and checks every key; a bad one stops start-up with one line naming it (never its hash).</summary>
    public static AuthOptions Load(IConfiguration configuration)
    {
        var options = OptionsValidation.BindValidated(configuration, SectionName, new AuthOptionsValidator());
        foreach (var (name, key) in options.Keys)
        {
            var path = $"{SectionName}:Keys:{name}";
            OptionsValidation.RequireName(name, path, "key name");
            if (ReservedNames.Contains(name))
            {
                throw new StartupException($"{path}: '{name}' is reserved; choose another key name.");
            }

            if (!SoniaRoles.IsValid(key.Role))
            {
                throw new StartupException($"{path}:Role must be one of {string.Join(", ", SoniaRoles.All)}.");
            }

            if (ApiKeyHasher.Parse(key.Hash, out var problem) is null)
            {
                throw new StartupException($"{path}:Hash {problem}.");
            }
        }

        return options;
    }
}

public sealed class ApiKeyOptions
{
    public string Role { get; set; } = string.Empty;

    /// <summary>Not the key: its salted hash. Still never logged or returned.</summary>
    [Secret]
    public string Hash { get; set; } = string.Empty;
}

public sealed class RoleRateLimits
{
    [Range(0, 1_000_000)]
    public int Client { get; set; } = 600;

    [Range(0, 1_000_000)]
    public int Operator { get; set; } = 1200;

    [Range(0, 1_000_000)]
    public int Admin { get; set; }

    public int For(string role) => role switch
    {
        SoniaRoles.Client => Client,
        SoniaRoles.Operator => Operator,
        _ => Admin,
    };
}

/// <summary>Checks the rate limits' ranges (source-generated); keys are checked one by one in <see cref="AuthOptions.Load"/>.</summary>
[OptionsValidator]
public sealed partial class AuthOptionsValidator : IValidateOptions<AuthOptions>;
