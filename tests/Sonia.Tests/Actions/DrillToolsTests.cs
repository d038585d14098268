using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

/// <summary>Issue 8, item 2: drill tools run behind their own breaker, and exist only when drills are enabled.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class DrillToolsTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task TenDrillFailures_DoNotTripTheExecutorBreaker_NoteSaveStillRuns()
    {
        var drills = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            drills.Add(await _actions.SubmitAcceptedAsync(BuiltInTools.DrillFail, new { failure_class = "executor_error", message = $"drill {i}" }));
        }

        foreach (var id in drills)
        {
            ActionsClient.AssertStatus(ActionStatuses.DeadLettered, await _actions.WaitAsync(id));
        }

        // The 30 failed attempts are counted against the drill breaker (once the silos have flushed them), not `executor`.
        await Eventually.ResultAsync(() => fixture.Http.GetFromJsonAsync<JsonElement>("/v1/breakers/executor.drill?minutes=5"), ActionsClient.Settle,
            b => b.GetProperty("minutes").EnumerateArray().Sum(m => m.GetProperty("failures").GetInt64()) >= 30);
        var executor = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/breakers/executor?minutes=5");
        Assert.Equal("closed", executor.GetProperty("breaker").GetProperty("state").GetString());
        Assert.Equal(0, executor.GetProperty("minutes").EnumerateArray().Sum(m => m.GetProperty("failures").GetInt64()));

        var marker = $"drill-free-{Guid.NewGuid():N}";
        var note = await _actions.WaitAsync(await _actions.SubmitAcceptedAsync(BuiltInTools.NoteSave, new { text = marker }));
        ActionsClient.AssertStatus(ActionStatuses.Succeeded, note);
        Assert.Equal(1, note.GetProperty("attempts").GetInt32());
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.memories WHERE text = @text", ("text", marker)));
    }

    [Fact]
    public void DrillsDisabledByDefault_DrillToolsAreNotRegistered_EvenWhenConfigured()
    {
        var options = ActionsOptions.Bind(Configuration(new() { ["Sonia:Actions:Tools:drill.fail:Timeout"] = "00:00:01" }));

        Assert.False(options.Drills.Enabled);
        Assert.DoesNotContain(BuiltInTools.DrillFail, options.Tools.Keys);
        Assert.DoesNotContain(BuiltInTools.DrillSleep, options.Tools.Keys);
        Assert.DoesNotContain(BuiltInTools.DrillBreaker, options.BreakerNames());
        Assert.Contains(BuiltInTools.NoteSave, options.Tools.Keys);
    }

    [Fact]
    public void DrillsEnabled_DrillToolsRunBehindTheirOwnBreaker()
    {
        var options = ActionsOptions.Bind(Configuration(new() { ["Sonia:Actions:Drills:Enabled"] = "true" }));

        Assert.Equal(BuiltInTools.DrillBreaker, options.Tools[BuiltInTools.DrillFail].BreakerName);
        Assert.Equal(BuiltInTools.DrillBreaker, options.Tools[BuiltInTools.DrillSleep].BreakerName);
        Assert.Equal("executor", options.Tools[BuiltInTools.NoteSave].BreakerName);
        Assert.Equal("executor", options.Tools[BuiltInTools.NoteDelete].BreakerName);
        Assert.Contains(BuiltInTools.DrillBreaker, options.BreakerNames());
    }

    [Fact]
    public void MaxBreakerWait_OutOfRange_StopsStartup()
    {
        var error = Assert.Throws<Sonia.Hosting.Cluster.StartupException>(() =>
            ActionsOptions.Bind(Configuration(new() { ["Sonia:Actions:Tools:echo:MaxBreakerWait"] = "-00:00:01" })));

        Assert.Contains("MaxBreakerWait", error.Message);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
