using Microsoft.Extensions.Configuration;
using Sonia.Grains.Breakers;
using Sonia.Hosting.Cluster;

namespace Sonia.Tests.Breakers;

public sealed class BreakersOptionsTests
{
    [Fact]
    public void Bind_WithoutConfigurationHasTheBuiltInDependenciesWithDefaults()
    {
        var configuration = Configuration([]);

        var options = BreakersOptions.Bind(configuration);

        Assert.Equal(["executor", "memory", "router"], options.Policies.Keys.Order(StringComparer.Ordinal));
        Assert.All(options.Policies.Values, policy =>
        {
            Assert.Equal(0.5, policy.FailureRatio);
            Assert.Equal(10, policy.MinimumThroughput);
            Assert.Equal(TimeSpan.FromSeconds(30), policy.SamplingDuration);
            Assert.Equal(TimeSpan.FromSeconds(5), policy.BreakDuration);
            Assert.Equal(3, policy.HalfOpenProbes);
        });
    }

    [Fact]
    public void Bind_DefaultsSectionAppliesToEveryDependency()
    {
        var configuration = Configuration(new()
        {
            ["Sonia:Breakers:Defaults:FailureRatio"] = "0.25",
            ["Sonia:Breakers:Defaults:BreakDuration"] = "00:00:10",
        });

        var options = BreakersOptions.Bind(configuration);

        Assert.Equal(3, options.Policies.Count);
        Assert.All(options.Policies.Values, policy =>
        {
            Assert.Equal(0.25, policy.FailureRatio);
            Assert.Equal(TimeSpan.FromSeconds(10), policy.BreakDuration);
            Assert.Equal(10, policy.MinimumThroughput);
        });
    }

    [Fact]
    public void Bind_DependencySectionOverridesOnlyItsDependency()
    {
        var configuration = Configuration(new()
        {
            ["Sonia:Breakers:Defaults:FailureRatio"] = "0.25",
            ["Sonia:Breakers:Defaults:MinimumThroughput"] = "15",
            ["Sonia:Breakers:Dependencies:router:MinimumThroughput"] = "20",
        });

        var options = BreakersOptions.Bind(configuration);

        var router = options.PolicyFor("router");
        Assert.NotNull(router);
        Assert.Equal(20, router.MinimumThroughput);
        Assert.Equal(0.25, router.FailureRatio);
        Assert.Equal(15, options.PolicyFor("memory")?.MinimumThroughput);
        Assert.Equal(15, options.PolicyFor("executor")?.MinimumThroughput);
    }

    [Fact]
    public void Bind_DependencySectionAddsANewDependency()
    {
        var configuration = Configuration(new()
        {
            ["Sonia:Breakers:Defaults:FailureRatio"] = "0.25",
            ["Sonia:Breakers:Dependencies:search:MinimumThroughput"] = "20",
        });

        var options = BreakersOptions.Bind(configuration);

        Assert.Equal(4, options.Policies.Count);
        var search = options.PolicyFor("search");
        Assert.NotNull(search);
        Assert.Equal(20, search.MinimumThroughput);
        Assert.Equal(0.25, search.FailureRatio);
        Assert.Equal(TimeSpan.FromSeconds(5), search.BreakDuration);
        Assert.Equal(10, options.PolicyFor("memory")?.MinimumThroughput);
        Assert.Null(options.PolicyFor("unknown"));
    }

    [Theory]
    [InlineData("Sonia:Breakers:Dependencies:router:FailureRatio", "0", "router", "FailureRatio")]
    [InlineData("Sonia:Breakers:Dependencies:router:FailureRatio", "1.5", "router", "FailureRatio")]
    [InlineData("Sonia:Breakers:Dependencies:router:MinimumThroughput", "0", "router", "MinimumThroughput")]
    [InlineData("Sonia:Breakers:Dependencies:executor:MaxBreakDuration", "00:00:01", "executor", "MaxBreakDuration")]
    [InlineData("Sonia:Breakers:Dependencies:memory:HalfOpenProbes", "0", "memory", "HalfOpenProbes")]
    [InlineData("Sonia:Breakers:Defaults:HalfOpenProbes", "0", "memory", "HalfOpenProbes")]
    [InlineData("Sonia:Breakers:Dependencies:router:BreakDuration", "abc", "router", "BreakDuration")]
    [InlineData("Sonia:Breakers:Defaults:BreakDuration", "abc", "Defaults", "BreakDuration")]
    [InlineData("Sonia:Breakers:Dependencies:Bad Name:MinimumThroughput", "20", "Bad Name", "dependency name")]
    [InlineData("Sonia:Breakers:FlushInterval", "00:00:00", "Sonia:Breakers", "FlushInterval")]
    public void Bind_InvalidValueThrowsStartupExceptionNamingIt(string key, string value, string expectedName, string expectedSetting)
    {
        var configuration = Configuration(new() { [key] = value });

        var exception = Assert.Throws<StartupException>(() => BreakersOptions.Bind(configuration));

        Assert.Contains(expectedName, exception.Message, StringComparison.Ordinal);
        Assert.Contains(expectedSetting, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_MaxBreakDurationShorterThanBreakDurationThrows()
    {
        var configuration = Configuration(new()
        {
            ["Sonia:Breakers:Defaults:BreakDuration"] = "00:00:30",
            ["Sonia:Breakers:Defaults:MaxBreakDuration"] = "00:00:20",
        });

        var exception = Assert.Throws<StartupException>(() => BreakersOptions.Bind(configuration));

        Assert.Contains("MaxBreakDuration", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BreakFor_FirstOpeningIsBreakDuration()
    {
        var policy = Policy();

        Assert.Equal(TimeSpan.FromSeconds(5), policy.BreakFor(1));
    }

    [Fact]
    public void BreakFor_EachFurtherOpeningGrowsByTheFactor()
    {
        var policy = Policy();

        Assert.Equal(TimeSpan.FromSeconds(15), policy.BreakFor(2));
        Assert.Equal(TimeSpan.FromSeconds(45), policy.BreakFor(3));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(100)]
    [InlineData(int.MaxValue)]
    public void BreakFor_ManyOpeningsAreCappedAtMaxBreakDuration(int openings)
    {
        var policy = Policy();

        Assert.Equal(TimeSpan.FromMinutes(1), policy.BreakFor(openings));
    }

    [Fact]
    public void BreakFor_GrowthFactorOneKeepsTheBreakFixed()
    {
        var policy = Policy();
        policy.BreakDurationGrowthFactor = 1.0;

        Assert.Equal(TimeSpan.FromSeconds(5), policy.BreakFor(1));
        Assert.Equal(TimeSpan.FromSeconds(5), policy.BreakFor(50));
    }

    private static BreakerPolicy Policy() => new()
    {
        BreakDuration = TimeSpan.FromSeconds(5),
        BreakDurationGrowthFactor = 3.0,
        MaxBreakDuration = TimeSpan.FromMinutes(1),
    };

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
