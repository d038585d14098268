using System.Net;
using System.Text;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Api;

/// <summary>Issue 9, item 9: every request leaves one access_log line, a 4xx included, and never its body.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class AccessLogTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task EveryRequest_WritesOneAccessLine_WithRouteStatusDurationCorrelationAndActor_NeverTheBody()
    {
        var correlationId = $"access-{Guid.NewGuid():N}";
        var marker = $"secret-body-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/actions")
        {
            Content = new StringContent($$"""{"tool":"echo","args":{"note":"{{marker}}"},"idempotencyKey":"x"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Correlation-ID", correlationId);
        request.Headers.Add("X-Actor", "alice"); // claimed, never believed: the actor is the key (open local mode: local)

        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var lines = await Eventually.ResultAsync(
            () => Task.FromResult(ReadGatewayLines().Where(l => l.GetProperty("correlation_id").GetString() == correlationId).ToList()),
            TimeSpan.FromSeconds(15),
            found => found.Any(l => l.GetProperty("log").GetString() == "access_log"));
        var access = Assert.Single(lines, l => l.GetProperty("log").GetString() == "access_log");
        Assert.Equal("POST", access.GetProperty("method").GetString());
        Assert.Equal("/v1/actions/", access.GetProperty("route").GetString());
        Assert.Equal(400, access.GetProperty("status").GetInt32());
        Assert.Equal("local", access.GetProperty("actor").GetString());
        Assert.True(access.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.DoesNotContain(ReadGatewayLines(), l => l.GetRawText().Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RouteTemplate_NotTheId_IsTheRouteField()
    {
        var correlationId = $"access-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/sessions/ses_01KBFJ0Z2M3N4P5Q6R7S8T9V0W");
        request.Headers.Add("X-Correlation-ID", correlationId);

        using var response = await fixture.Http.SendAsync(request);

        var access = await Eventually.ResultAsync(
            () => Task.FromResult(ReadGatewayLines().FirstOrDefault(l =>
                l.GetProperty("correlation_id").GetString() == correlationId && l.GetProperty("log").GetString() == "access_log")),
            TimeSpan.FromSeconds(15),
            line => line.ValueKind == JsonValueKind.Object);
        Assert.Equal("/v1/sessions/{sessionId}", access.GetProperty("route").GetString());
        Assert.Equal(404, access.GetProperty("status").GetInt32());
        Assert.Equal("local", access.GetProperty("actor").GetString());
    }

    private List<JsonElement> ReadGatewayLines()
    {
        var lines = new List<JsonElement>();
        var folder = Path.Combine(fixture.DataPath, "logs");
        foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder, "gateway*.jsonl") : [])
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { Length: > 0 } text)
            {
                lines.Add(JsonDocument.Parse(text).RootElement.Clone());
            }
        }

        return lines;
    }
}
