using System.Net;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.DeadLetters;
using Sonia.Tests.Infrastructure;
using Sonia.Tests.Security;

namespace Sonia.Tests.Telemetry;

/// <summary>
/// Issue 11: <c>GET /metrics</c> is Prometheus text and moves when actions run. The TestCluster's silos share this
/// process, so the gateway's scrape sees their instruments; <c>t.telemetry</c> is this class's own tool, so its series
/// move by exactly what these tests do, while process-wide series are checked to grow.
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class MetricsEndpointTests(SoniaClusterFixture fixture)
{
    private const string Tool = "t.telemetry";
    private static readonly TimeSpan Scraped = TimeSpan.FromSeconds(30);
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task Metrics_ParseAsPrometheusText_AndTheActionSeriesMove_WhenAnActionRuns()
    {
        var before = await ScrapeAsync(fixture.Http);
        var succeeded = ("outcome", ActionStatuses.Succeeded);

        var id = await _actions.SubmitAcceptedAsync(Tool, new { mode = "ok", marker = Guid.NewGuid().ToString("N") });
        ActionsClient.AssertStatus(ActionStatuses.Succeeded, await _actions.WaitAsync(id));

        var after = await Eventually.ResultAsync(() => ScrapeAsync(fixture.Http), Scraped,
            m => Delta(before, m, "sonia_actions_total", ("tool", Tool), succeeded) > 0);
        Assert.Equal(1, Delta(before, after, "sonia_actions_total", ("tool", Tool), succeeded));
        Assert.Equal(1, Delta(before, after, "sonia_action_duration_seconds_count", ("tool", Tool), succeeded));
        Assert.True(Delta(before, after, "sonia_action_duration_seconds_sum", ("tool", Tool)) > 0);

        // Its accept, attempt start and success went through the ledger, in one batch or more.
        Assert.True(after.Sum("sonia_ledger_batch_size_count") > before.Sum("sonia_ledger_batch_size_count"));
        Assert.True(after.Sum("sonia_ledger_batch_size_sum") - before.Sum("sonia_ledger_batch_size_sum") >= 3);
        Assert.Equal("histogram", after.Types["sonia_action_duration_seconds"]);
        Assert.Equal("gauge", after.Types["sonia_ledger_queue_depth"]);

        // The fake executor's breaker is now cached by the silo that ran the action: closed (0).
        Assert.Equal(0, after.Sum("sonia_breaker_state", ("breaker", "executor.fake")));

        // The process-wide meters ride along: the runtime's and Orleans'. ASP.NET Core's and HttpClient's belong to one
        // host each (and end with it, which other tests' gateways and silos do in this process): checked on hosts of their own.
        Assert.Contains(after.Types.Keys, k => k.StartsWith("dotnet_", StringComparison.Ordinal));
        Assert.Contains(after.Types.Keys, k => k.StartsWith("orleans_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeadLetterDepth_CountsUnresolvedRecords_AndAReplayJobCountsWhatItReplayed()
    {
        var dead = await DeadLetterMaker.DeadLetteredAsync(_actions);
        var dlqId = dead.GetProperty("dlq_id").GetString()!;
        var executorErrors = ("failure_class", FailureClasses.ExecutorError);

        // Answered from counts refreshed off the scrape: a later scrape sees the new record.
        var counted = await Eventually.ResultAsync(() => ScrapeAsync(fixture.Http), Scraped,
            m => m.Sum("sonia_dlq_depth", executorErrors) >= 1);
        Assert.All(FailureClasses.All,
            c => Assert.Contains(counted.Samples, s => s.Name == "sonia_dlq_depth" && s.Labels["failure_class"] == c));

        var before = counted.Sum("sonia_replay_records_total", ("outcome", "replayed"));
        var (status, _) = await _actions.PostAsync("/v1/dlq/replay", new { ids = new[] { dlqId }, dry_run = false, max_per_second = 100 });
        Assert.Equal(HttpStatusCode.Accepted, status);

        await Eventually.ResultAsync(() => ScrapeAsync(fixture.Http), Scraped,
            m => m.Sum("sonia_replay_records_total", ("outcome", "replayed")) >= before + 1);
    }

    [Fact]
    public async Task BreakerTransitions_AreCountedByBreakerAndTargetState()
    {
        const string breaker = "t-telemetry";
        var before = await ScrapeAsync(fixture.Http);

        await _actions.PostAsync($"/v1/breakers/{breaker}/isolate", new { reason = "metrics test" });
        await _actions.PostAsync($"/v1/breakers/{breaker}/reset", new { reason = "metrics test" });

        var after = await Eventually.ResultAsync(() => ScrapeAsync(fixture.Http), Scraped,
            m => Delta(before, m, "sonia_breaker_transitions_total", ("breaker", breaker), ("to", "closed")) > 0);
        Assert.Equal(1, Delta(before, after, "sonia_breaker_transitions_total", ("breaker", breaker), ("to", "isolated")));
        Assert.Equal(1, Delta(before, after, "sonia_breaker_transitions_total", ("breaker", breaker), ("to", "closed")));
    }

    [Fact]
    public async Task Metrics_NeedAnOperatorKey_AndCarryTheAspNetCoreMeters()
    {
        await using var gateway = await SecuredGateway.StartAsync(fixture);

        using var anonymous = await gateway.As(null).GetAsync("/metrics");
        using var client = await gateway.As("client-a").GetAsync("/metrics");
        using var operatorScrape = await gateway.As("ops-1").GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, client.StatusCode);
        Assert.Equal(HttpStatusCode.OK, operatorScrape.StatusCode);
        Assert.StartsWith("text/plain", operatorScrape.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var scraped = PrometheusText.Parse(await operatorScrape.Content.ReadAsStringAsync());
        Assert.True(scraped.Sum("http_server_request_duration_seconds_count", ("http_response_status_code", "401")) >= 1,
            "the refused scrape is in ASP.NET Core's request duration");
    }

    private static double Delta(PrometheusText before, PrometheusText after, string name, params (string, string)[] labels) =>
        after.Sum(name, labels) - before.Sum(name, labels);

    private static async Task<PrometheusText> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }
}
