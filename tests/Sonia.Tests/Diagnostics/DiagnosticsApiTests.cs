using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Hosting.Correlation;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Diagnostics;

/// <summary><c>GET /v1/diagnostics/snapshot</c> against the shared two-silo cluster and its gateway.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class DiagnosticsApiTests(SoniaClusterFixture fixture)
{
    private static readonly string[] Sections = ["health", "breakers", "dlq", "actions", "cluster"];

    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task Snapshot_HasEverySection_WithItsFigures_AndTheRequestsCorrelationId()
    {
        var actionId = await _actions.SubmitAcceptedAsync("echo", new { n = 1 });
        await _actions.WaitAsync(actionId);
        var correlationId = $"diag-{Guid.NewGuid():N}";

        var (status, snapshot, text) = await SnapshotAsync("?last_n=5", correlationId);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(Sections, s =>
            Assert.False(snapshot.GetProperty(s).TryGetProperty("error", out _), $"{s} failed: {snapshot.GetProperty(s)}"));
        var health = snapshot.GetProperty("health");
        Assert.Contains(health.GetProperty("status").GetString(), new[] { "healthy", "degraded" });
        Assert.Contains(health.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "action_ledger");
        var breaker = snapshot.GetProperty("breakers").GetProperty("dependencies").EnumerateArray()
            .Single(b => b.GetProperty("name").GetString() == "executor");
        Assert.True(breaker.GetProperty("window").TryGetProperty("calls", out _));
        Assert.True(breaker.TryGetProperty("last_transitions", out _));
        var dlq = snapshot.GetProperty("dlq");
        Assert.Equal(JsonValueKind.Object, dlq.GetProperty("unresolved_by_failure_class").ValueKind);
        Assert.InRange(dlq.GetProperty("recent").GetArrayLength(), 0, 5);
        var actions = snapshot.GetProperty("actions");
        Assert.InRange(actions.GetProperty("recent").GetArrayLength(), 1, 5);
        Assert.Equal(actionId, actions.GetProperty("recent")[0].GetProperty("action_id").GetString());
        Assert.NotEmpty(actions.GetProperty("recent")[0].GetProperty("transitions").EnumerateArray());
        Assert.True(actions.GetProperty("pending_total").GetInt64() >= actions.GetProperty("pending").GetArrayLength());
        Assert.False(actions.GetProperty("pending_truncated").GetBoolean());
        var cluster = snapshot.GetProperty("cluster");
        var active = cluster.GetProperty("silos").EnumerateArray().Where(s => s.GetProperty("status").GetString() == "Active").ToList();
        Assert.True(active.Count >= 2, cluster.ToString());
        Assert.All(active, s => Assert.True(s.GetProperty("started_at").GetDateTimeOffset() > DateTimeOffset.UnixEpoch));
        Assert.False(string.IsNullOrEmpty(cluster.GetProperty("sonia_version").GetString()));
        Assert.Equal(correlationId, snapshot.GetProperty("correlation_id").GetString());
        Assert.True(snapshot.GetProperty("generated_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.DoesNotContain("test-secret-api-key", text, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Database.ConnectionString, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("x")]
    public async Task LastN_OutOfBounds_Is400_NamingIt(string lastN)
    {
        var (status, problem, _) = await SnapshotAsync($"?last_n={lastN}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("last_n", problem.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public async Task LastN_AtItsBounds_IsAnswered(int lastN)
    {
        await _actions.WaitAsync(await _actions.SubmitAcceptedAsync("echo", new { n = 2 }));

        var (status, snapshot, _) = await SnapshotAsync($"?last_n={lastN}");

        Assert.Equal(HttpStatusCode.OK, status);
        var recent = snapshot.GetProperty("actions").GetProperty("recent").GetArrayLength();
        Assert.InRange(recent, 1, lastN);
        Assert.InRange(snapshot.GetProperty("dlq").GetProperty("recent").GetArrayLength(), 0, lastN);
    }

    [Fact]
    public async Task PendingActions_AreListed_WithTheirStatus()
    {
        var (submitted, created) = await _actions.SubmitAsync("note.delete", new { memory_id = $"mem_{Guid.NewGuid():N}" });
        Assert.Equal(HttpStatusCode.Accepted, submitted);
        var actionId = created.GetProperty("action_id").GetString()!;
        try
        {
            await _actions.WaitAsync(actionId, "awaiting_confirmation");

            var (_, snapshot, _) = await SnapshotAsync("");

            var pending = snapshot.GetProperty("actions").GetProperty("pending").EnumerateArray()
                .Single(a => a.GetProperty("action_id").GetString() == actionId);
            Assert.Equal("awaiting_confirmation", pending.GetProperty("status").GetString());
            Assert.Equal("note.delete", pending.GetProperty("tool").GetString());
            Assert.True(pending.TryGetProperty("expires_at", out var expires) && expires.ValueKind == JsonValueKind.String);
        }
        finally
        {
            await _actions.PostAsync($"/v1/actions/{actionId}/deny", new { reason = "diagnostics test over" });
        }
    }

    [Fact]
    public async Task IsolatedBreaker_MakesHealthDegraded_WithAReason_ButStillReady()
    {
        var (isolated, _) = await _actions.PostAsync("/v1/breakers/t-diagnostics/isolate", new { reason = "diagnostics test" });
        Assert.Equal(HttpStatusCode.OK, isolated);
        try
        {
            // The supervisor checks in the background: wait for the run that saw the isolation.
            var report = await Eventually.ResultAsync(() => fixture.Http.GetFromJsonAsync<JsonElement>("/v1/health"), TimeSpan.FromSeconds(30),
                r => Reasons(r, "breakers").Any(x => x.Contains("t-diagnostics", StringComparison.Ordinal)));
            using var ready = await fixture.Http.GetAsync("/readyz");
            var (_, snapshot, _) = await SnapshotAsync("?last_n=1");

            Assert.Equal("degraded", report.GetProperty("status").GetString());
            Assert.True(report.GetProperty("healthy").GetBoolean());
            var breakers = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "breakers");
            Assert.Equal("degraded", breakers.GetProperty("status").GetString());
            Assert.True(breakers.GetProperty("figures").GetProperty("isolated").GetDouble() >= 1);
            var reason = Reasons(report, "breakers").Single(x => x.Contains("t-diagnostics", StringComparison.Ordinal));
            Assert.Contains("is isolated since", reason, StringComparison.Ordinal);
            Assert.Contains("/v1/breakers/t-diagnostics/reset", reason, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var inSnapshot = snapshot.GetProperty("breakers").GetProperty("dependencies").EnumerateArray()
                .Single(b => b.GetProperty("name").GetString() == "t-diagnostics");
            Assert.Equal("isolated", inSnapshot.GetProperty("state").GetString());
            Assert.Contains(inSnapshot.GetProperty("last_transitions").EnumerateArray(), t => t.GetProperty("to").GetString() == "isolated");
        }
        finally
        {
            await _actions.PostAsync("/v1/breakers/t-diagnostics/reset", new { reason = "diagnostics test over" });
        }
    }

    private static IEnumerable<string> Reasons(JsonElement report, string check) =>
        report.GetProperty("checks").EnumerateArray().Where(c => c.GetProperty("name").GetString() == check)
            .SelectMany(c => c.GetProperty("reasons").EnumerateArray()).Select(r => r.GetString()!);

    private async Task<(HttpStatusCode Status, JsonElement Body, string Text)> SnapshotAsync(string query, string? correlationId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/diagnostics/snapshot{query}");
        if (correlationId is not null)
        {
            request.Headers.Add(CorrelationId.HeaderName, correlationId);
        }

        using var response = await fixture.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), text);
    }
}
