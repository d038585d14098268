using Microsoft.Extensions.Configuration;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Breakers;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;
using Sonia.Hosting.Logging;

namespace Sonia.Tests.Options;

/// <summary>
/// Every options class is checked by its generated validator, nested members included: a bad value anywhere stops
/// start-up with one line that names the setting by its configuration key.
/// </summary>
public sealed class NestedOptionsValidationTests
{
    [Theory]
    [InlineData("Sonia:Actions:Tools:echo:Retry:MaxAttempts", "0", "Sonia:Actions:Tools:echo:Retry:MaxAttempts")]
    [InlineData("Sonia:Actions:Tools:echo:Retry:MaxAttempts", "1000", "Sonia:Actions:Tools:echo:Retry:MaxAttempts")]
    [InlineData("Sonia:Actions:Tools:note.save:Retry:BackoffBase", "-00:00:01", "Sonia:Actions:Tools:note.save:Retry:BackoffBase")]
    [InlineData("Sonia:Actions:Tools:note.save:Retry:BackoffCap", "3.00:00:00", "Sonia:Actions:Tools:note.save:Retry:BackoffCap")]
    [InlineData("Sonia:Actions:Tools:echo:Retry:BackoffCap", "00:00:00.001", "BackoffCap")]
    [InlineData("Sonia:Actions:Tools:echo:Retry:NeverRetry:0", "sometimes", "sometimes")]
    [InlineData("Sonia:Actions:Tools:note.delete:ConfirmationTimeout", "00:00:00", "Sonia:Actions:Tools:note.delete:ConfirmationTimeout")]
    [InlineData("Sonia:Actions:Tools:note.delete:ConfirmationTimeout", "-00:05:00", "Sonia:Actions:Tools:note.delete:ConfirmationTimeout")]
    [InlineData("Sonia:Actions:Tools:echo:Timeout", "00:00:00", "Sonia:Actions:Tools:echo:Timeout")]
    [InlineData("Sonia:Actions:Tools:echo:Risk", "extreme", "Sonia:Actions:Tools:echo:Risk")]
    [InlineData("Sonia:Actions:Tools:echo:Executor", "nowhere", "Sonia:Actions:Tools:echo:Executor")]
    [InlineData("Sonia:Actions:ConfirmationTimeout", "00:00:00", "Sonia:Actions:ConfirmationTimeout")]
    [InlineData("Sonia:Actions:RecoveryInterval", "-00:00:01", "Sonia:Actions:RecoveryInterval")]
    [InlineData("Sonia:Actions:Executors:x:BaseUrl", "ftp://example.test", "Sonia:Actions:Executors:x")]
    [InlineData("Sonia:Actions:Executors:x:BaseUrl", "not a url", "BaseUrl")]
    [InlineData("Sonia:Actions:Executors:x:MaxResponseBytes", "10", "Sonia:Actions:Executors:x:MaxResponseBytes")]
    [InlineData("Sonia:Actions:Executors:x:ConnectionLifetime", "00:00:00", "Sonia:Actions:Executors:x:ConnectionLifetime")]
    public void ActionsOptions_BadNestedValue_StopsStartupWithOneLineNamingIt(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { ["Sonia:Actions:Executors:x:BaseUrl"] = "http://127.0.0.1:1", [key] = value };

        var line = OneLineFailure(() => ActionsOptions.Bind(Configuration(settings)));

        Assert.Contains(named, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sonia:Breakers:Defaults:SamplingDuration", "00:00:00.500", "SamplingDuration")]
    [InlineData("Sonia:Breakers:Dependencies:router:SlowCallDuration", "00:00:00", "Sonia:Breakers:Dependencies:router:SlowCallDuration")]
    [InlineData("Sonia:Breakers:Dependencies:router:BreakDuration", "00:00:00.010", "Sonia:Breakers:Dependencies:router:BreakDuration")]
    [InlineData("Sonia:Breakers:Dependencies:router:ProbeTimeout", "00:00:00", "Sonia:Breakers:Dependencies:router:ProbeTimeout")]
    [InlineData("Sonia:Breakers:Dependencies:router:BreakDurationGrowthFactor", "0.5", "Sonia:Breakers:Dependencies:router:BreakDurationGrowthFactor")]
    [InlineData("Sonia:Breakers:RefreshInterval", "00:00:00", "Sonia:Breakers:RefreshInterval")]
    public void BreakersOptions_BadPolicyField_StopsStartupWithOneLineNamingIt(string key, string value, string named)
    {
        var line = OneLineFailure(() => BreakersOptions.Bind(Configuration(new() { [key] = value })));

        Assert.Contains(named, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sonia:Database:Provider", "7", "Sonia:Database:Provider")]
    [InlineData("Sonia:Database:ConnectionString", "", "Sonia__Database__ConnectionString")]
    public void DatabaseOptions_BadValue_StopsStartupWithOneLineNamingIt(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { ["Sonia:Database:ConnectionString"] = "Host=x", [key] = value };

        var line = OneLineFailure(() =>
            OptionsValidation.BindValidated(Configuration(settings), DatabaseOptions.SectionName, new DatabaseOptionsValidator()));

        Assert.Contains(named, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sonia:Cluster:SiloPort", "0", "Sonia:Cluster:SiloPort")]
    [InlineData("Sonia:Cluster:Clustering", "9", "Sonia:Cluster:Clustering")]
    [InlineData("Sonia:Cluster:AdvertisedAddress", "not-an-ip", "AdvertisedAddress")]
    [InlineData("Sonia:Cluster:ClusterId", "a b", "Sonia:Cluster:ClusterId")]
    [InlineData("Sonia:Cluster:ProbeTimeoutSeconds", "0", "Sonia:Cluster:ProbeTimeoutSeconds")]
    public void ClusterOptions_BadValue_StopsStartupWithOneLineNamingIt(string key, string value, string named)
    {
        var line = OneLineFailure(() =>
            OptionsValidation.BindValidated(Configuration(new() { [key] = value }), SoniaClusterOptions.SectionName, new SoniaClusterOptionsValidator()));

        Assert.Contains(named, line, StringComparison.Ordinal);
    }

    [Fact]
    public void LedgerAndLoggingOptions_BadValue_StopsStartupNamingIt()
    {
        var ledger = OneLineFailure(() => OptionsValidation.BindValidated(
            Configuration(new() { ["Sonia:Ledger:Writers"] = "0" }), LedgerOptions.SectionName, new LedgerOptionsValidator()));
        var logging = OneLineFailure(() => OptionsValidation.BindValidated(
            Configuration(new() { ["Sonia:Logging:RetainedFileCount"] = "0" }), LoggingOptions.SectionName, new LoggingOptionsValidator()));

        Assert.Contains("Sonia:Ledger:Writers", ledger, StringComparison.Ordinal);
        Assert.Contains("Sonia:Logging:RetainedFileCount", logging, StringComparison.Ordinal);
    }

    [Fact]
    public void GoodNestedValues_BindAsWritten()
    {
        var options = ActionsOptions.Bind(Configuration(new()
        {
            ["Sonia:Actions:Tools:echo:Retry:MaxAttempts"] = "7",
            ["Sonia:Actions:Tools:note.delete:ConfirmationTimeout"] = "00:02:00",
            ["Sonia:Actions:Executors:x:BaseUrl"] = "http://127.0.0.1:1",
            ["Sonia:Actions:Executors:x:MaxResponseBytes"] = "2048",
        }));

        Assert.Equal(7, options.Tools["echo"].Options.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Tools["note.delete"].Options.ConfirmationTimeout);
        Assert.Equal(2048, options.Executors["x"].MaxResponseBytes);
        Assert.Equal(HttpExecutorOptions.DefaultMaxResponseBytes, new HttpExecutorOptions().MaxResponseBytes);
    }

    private static string OneLineFailure(Action bind)
    {
        var exception = Assert.Throws<StartupException>(bind);
        Assert.DoesNotContain('\n', exception.Message);
        return exception.Message;
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
