using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Cluster;

[Collection(SoniaClusterCollection.Name)]
public sealed class HealthApiTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task Healthz_SaysAlive()
    {
        using var response = await fixture.Http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alive", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_IsOkWhenClusterAndDatabaseAnswer()
    {
        using var response = await fixture.Http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_ReportsBothSilosAndTheDatabase()
    {
        using var response = await fixture.Http.GetAsync("/v1/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(report.GetProperty("healthy").GetBoolean());
        var active = report.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "Active");
        Assert.True(active >= 2, $"expected both silos active, saw {active}");
        var database = report.GetProperty("database");
        Assert.True(database.GetProperty("healthy").GetBoolean());
        Assert.DoesNotContain("Password", report.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HealthChecksQueued_200ConcurrentReadyz_AllAnswerWithinOneCheckInterval()
    {
        var checkInterval = new Sonia.Grains.Health.HealthOptions().CheckInterval;
        using var warm = await fixture.Http.GetAsync("/readyz");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await fixture.Http.GetAsync("/readyz");
            return (response.StatusCode, Elapsed: System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var slowest = answers.Max(a => a.Elapsed);
        Assert.True(slowest < checkInterval, $"the slowest of 200 /readyz took {slowest.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task HealthChecksQueued_ConcurrentCallers_ShareRecentChecks_AndSeeTheirAge()
    {
        var reports = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var response = await fixture.Http.GetAsync("/v1/health");
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }));

        // One check serves everyone (two if a background refresh landed meanwhile), never one check per caller.
        var checks = reports.Select(r => r.GetProperty("checked_at").GetDateTimeOffset()).Distinct().Count();
        Assert.True(checks <= 2, $"{checks} separate checks answered 50 concurrent callers");
        Assert.All(reports, r => Assert.InRange(r.GetProperty("age_seconds").GetDouble(), 0, 30));
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheEndpoints()
    {
        using var response = await fixture.Http.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/sessions", out _));
        Assert.True(paths.TryGetProperty("/v1/sessions/{sessionId}", out _));
        Assert.True(paths.TryGetProperty("/readyz", out _));
    }

    [Fact]
    public async Task UnknownRoute_Is404Problem()
    {
        using var response = await fixture.Http.GetAsync($"/v1/nothing-{Guid.NewGuid():N}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
