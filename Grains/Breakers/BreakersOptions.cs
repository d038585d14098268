using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Sonia.Hosting.Cluster;

namespace Sonia.Grains.Breakers;

/// <summary>
/// Every dependency's breaker policy: <c>Sonia:Breakers:Defaults</c>, overridden per dependency by
/// <c>Sonia:Breakers:Dependencies:&lt;name&gt;</c>. <c>memory</c>, <c>router</c> and <c>executor</c> always exist.
/// </summary>
public sealed partial class BreakersOptions
{
    public const string SectionName = "Sonia:Breakers";

    public static readonly string[] BuiltInDependencies = ["memory", "router", "executor"];

    /// <summary>How often a silo sends the outcomes it counted to the breaker grains.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often a silo renews its subscription to breaker changes (and re-reads every state).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    public IReadOnlyDictionary<string, BreakerPolicy> Policies { get; init; } = new Dictionary<string, BreakerPolicy>();

    public BreakerPolicy? PolicyFor(string name) => Policies.GetValueOrDefault(name);

    /// <summary>Binds and validates; a bad value throws <see cref="StartupException"/> naming it.</summary>
    /// <param name="extraDependencies">Dependencies other features add (each HTTP executor, say).</param>
    public static BreakersOptions Bind(IConfiguration configuration, IEnumerable<string>? extraDependencies = null)
    {
        var section = configuration.GetSection(SectionName);
        var names = BuiltInDependencies
            .Concat(extraDependencies ?? [])
            .Concat(section.GetSection("Dependencies").GetChildren().Select(c => c.Key))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        var policies = new Dictionary<string, BreakerPolicy>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!ValidName().IsMatch(name))
            {
                throw new StartupException($"{SectionName}:Dependencies:{name} is not a valid dependency name (1-64 chars of [a-z0-9._-]).");
            }

            var policy = new BreakerPolicy();
            Bind(section.GetSection("Defaults"), policy, $"{SectionName}:Defaults");
            Bind(section.GetSection($"Dependencies:{name}"), policy, $"{SectionName}:Dependencies:{name}");
            var errors = new List<ValidationResult>();
            if (!Validator.TryValidateObject(policy, new ValidationContext(policy), errors, validateAllProperties: true))
            {
                throw new StartupException($"breaker policy of '{name}' is invalid: {string.Join("; ", errors.Select(e => e.ErrorMessage))}");
            }

            policies[name] = policy;
        }

        var options = new BreakersOptions { Policies = policies };
        Bind(section, options, SectionName);
        if (options.FlushInterval < TimeSpan.FromMilliseconds(10) || options.FlushInterval > TimeSpan.FromSeconds(10))
        {
            throw new StartupException($"{SectionName}:FlushInterval must be between 10 ms and 10 s.");
        }

        if (options.RefreshInterval < TimeSpan.FromSeconds(1))
        {
            throw new StartupException($"{SectionName}:RefreshInterval must be at least 1 s.");
        }

        return options;
    }

    private static void Bind(IConfiguration section, object target, string path)
    {
        try
        {
            section.Bind(target);
        }
        catch (InvalidOperationException ex)
        {
            throw new StartupException($"{path} is invalid: {ex.Message}", ex);
        }
    }

    [GeneratedRegex("^[a-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}
