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
