using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sonia.Grains.Retention;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Retention;

public sealed class RetentionOptionsTests
{
    [Fact]
    public void Defaults_Are30DaysForActionsAndSessions_AndValid()
    {
        var options = Resolve([]);

        Assert.Equal(TimeSpan.FromDays(30), options.TerminalActions);
        Assert.Equal(TimeSpan.FromDays(30), options.IdleSessions);
        Assert.True(options.TerminalActions >= options.IdempotencyWindow);
    }

    [Fact]
    public void TerminalActionRetention_ShorterThanTheIdempotencyWindow_IsRefused()
    {
        var error = Assert.Throws<StartupException>(() => Resolve(new()
        {
            ["Sonia:Retention:TerminalActions"] = "2.00:00:00",
            ["Sonia:Retention:IdempotencyWindow"] = "3.00:00:00",
        }));

        Assert.Contains("TerminalActions", error.Message, StringComparison.Ordinal);
        Assert.Contains("IdempotencyWindow", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TerminalActions", "00:10:00")]
    [InlineData("IdleSessions", "00:00:01")]
    [InlineData("IdempotencyWindow", "00:00:00")]
    [InlineData("BatchSize", "0")]
    [InlineData("BatchSize", "100000")]
    [InlineData("MaxBatchesPerSweep", "0")]
    public void OutOfRangeSetting_IsRefused_NamingIt(string key, string value)
    {
        var error = Assert.Throws<StartupException>(() => Resolve(new() { [$"Sonia:Retention:{key}"] = value }));

        Assert.Contains($"Sonia:Retention:{key}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryPurgeStatement_ParsesAsTSql()
    {
        TSqlScripts.AllParse(RetentionSql.For(DatabaseProvider.SqlServer).All());

        Assert.Equal(RetentionSql.For(DatabaseProvider.PostgreSql).All().Count(), RetentionSql.For(DatabaseProvider.SqlServer).All().Count());
    }

    private static RetentionOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddSoniaRetention(configuration, new DatabaseOptions()).BuildServiceProvider();
        return services.GetRequiredService<IOptions<RetentionOptions>>().Value;
    }
}
