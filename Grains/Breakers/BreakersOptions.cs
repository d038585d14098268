using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sonia.Hosting.Cluster;

namespace Sonia.Grains.Breakers;

/// <summary>
/// Every dependency's breaker policy: <c>Sonia:Breakers:Defaults</c>, overridden per dependency by
/// <c>Sonia:Breakers:Dependencies:&lt;name&gt;</c>. <c>memory</c>, <c>router</c> and <c>executor</c> always exist.
/// </summary>
public sealed class BreakersOptions
{
    public const string SectionName = "Sonia:Breakers";

    public static readonly string[] BuiltInDependencies = ["memory", "router", "executor"];

    /// <summary>How often a silo sends the outcomes it counted to the breaker grains.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often a silo renews its subscription to breaker changes (and re-reads every state).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
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
            OptionsValidation.RequireName(name, $"{SectionName}:Dependencies:{name}", "dependency name");
            var policy = new BreakerPolicy();
            OptionsValidation.Bind(section.GetSection("Defaults"), policy, $"{SectionName}:Defaults");
            OptionsValidation.Bind(section.GetSection($"Dependencies:{name}"), policy, $"{SectionName}:Dependencies:{name}");
            OptionsValidation.Validate(policy, $"{SectionName}:Dependencies:{name}", new BreakerPolicyValidator());

            policies[name] = policy;
        }

        var options = new BreakersOptions { Policies = policies };
        OptionsValidation.Bind(section, options, SectionName);
        OptionsValidation.Validate(options, SectionName, new BreakersOptionsValidator());
        return options;
    }
}

/// <summary>Checks the breakers' own settings from their data annotations; each policy is checked on its own.</summary>
[OptionsValidator]
public sealed partial class BreakersOptionsValidator : IValidateOptions<BreakersOptions>;
