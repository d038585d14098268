using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Sonia.Grains.Interfaces.Audit;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Releases;

/// <summary><c>/v1/releases/gate-runs</c>: a promotion-gate run is recorded in the operator audit trail and listed.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class GateRunsApiTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task Record_ValidReport_IsInTheAuditTrail_AndListedNewestFirst()
    {
        var first = NewCommit();
        var second = NewCommit();

        using var recorded = await fixture.Http.PostAsJsonAsync("/v1/releases/gate-runs", Report(first, promotable: false));
        using var recordedAgain = await fixture.Http.PostAsJsonAsync("/v1/releases/gate-runs", Report(second, promotable: true));

        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        Assert.Equal(HttpStatusCode.Created, recordedAgain.StatusCode);
        var run = await recorded.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("skipped", run.GetProperty("gates").GetProperty("1").GetString());
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.operator_audit WHERE operation = @op AND target = @commit AND actor = 'local'",
            ("op", OperatorOperations.PromotionGate), ("commit", first)));

        var list = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/releases/gate-runs?last_n=200");
        var commits = list.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("commit").GetString()).ToList();
        Assert.True(commits.IndexOf(second) >= 0 && commits.IndexOf(second) < commits.IndexOf(first), "newest run first");
        var listed = list.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("commit").GetString() == second);
        Assert.True(listed.GetProperty("promotable").GetBoolean());
        Assert.Equal("pass", listed.GetProperty("gates").GetProperty("4").GetString());
    }

    [Theory]
    [InlineData("""{"promotable":true,"commit":"not a commit","started_at":"2026-12-02T08:00:00Z","finished_at":"2026-12-02T08:01:00Z","gates":[{"id":1,"name":"a","blocking":true,"status":"pass"}]}""", "commit")]
    [InlineData("""{"promotable":true,"commit":"abcdef1","started_at":"2026-12-02T08:00:00Z","finished_at":"2026-12-02T08:01:00Z","gates":[{"id":1,"name":"a","blocking":true,"status":"green"}]}""", "gates[0]")]
    [InlineData("""{"promotable":true,"commit":"abcdef1","started_at":"2026-12-02T08:00:00Z","finished_at":"2026-12-02T08:01:00Z","gates":[]}""", "gates")]
    [InlineData("""{"commit":"abcdef1","started_at":"2026-12-02T08:00:00Z","finished_at":"2026-12-02T08:01:00Z","gates":[{"id":1,"name":"a","blocking":true,"status":"pass"}]}""", "promotable")]
    public async Task Record_BadReport_Is400NamingTheField_AndRecordsNothing(string body, string field)
    {
        var before = await CountRuns();

        using var response = await fixture.Http.PostAsync("/v1/releases/gate-runs",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await CountRuns());
    }

    [Fact]
    public async Task List_BadLastN_Is400NamingIt()
    {
        using var response = await fixture.Http.GetAsync("/v1/releases/gate-runs?last_n=0");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("last_n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Task<long> CountRuns() => TestSql.CountAsync(fixture.Database,
        "SELECT COUNT(*) FROM sonia.operator_audit WHERE operation = @op", ("op", OperatorOperations.PromotionGate));

    private static string NewCommit() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    private static object Report(string commit, bool promotable) => new
    {
        promotable,
        commit,
        started_at = DateTimeOffset.UtcNow.AddMinutes(-1),
        finished_at = DateTimeOffset.UtcNow,
        gates = new object[]
        {
            new { id = 1, name = "full regression", blocking = true, status = promotable ? "pass" : "skipped", detail = "--skip-tests" },
            new { id = 4, name = "unresolved dead letters", blocking = false, status = "pass", detail = "0 unresolved" },
        },
    };
}
