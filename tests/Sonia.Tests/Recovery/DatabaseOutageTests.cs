using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Hosting.Correlation;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sonia.Tests.Recovery;

/// <summary>Issue 13: while PostgreSQL is down the gateway answers 503 with Retry-After, never 500, and says not ready.</summary>
public sealed class DatabaseOutageTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Chaos")]
    public async Task DatabaseStopped_Answers503WithRetryAfter_NotReady_ThenServesAgain()
    {
        await using var own = await OwnDatabaseCluster.StartAsync(1);
        var actions = new ActionsClient(own.Http);
        var before = await actions.SubmitAcceptedAsync("echo", new { n = 0 });
        await actions.WaitAsync(before);

        await own.Server.StopImmediatelyAsync();
        var statuses = new List<HttpStatusCode>();
        var correlationIds = new List<string>();
        var submissions = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            var correlationId = $"dbdown-{Guid.NewGuid():N}";
            foreach (var request in Requests(i, before, correlationId))
            {
                using var response = await own.Http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                statuses.Add(response.StatusCode);
                Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.ServiceUnavailable,
                    $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {body}");
                if (request.Method == HttpMethod.Post)
                {
                    submissions.Add(response.StatusCode);
                }

                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    Assert.Equal("2", response.Headers.GetValues("Retry-After").Single());
                    Assert.Equal(correlationId, JsonDocument.Parse(body).RootElement.GetProperty("correlation_id").GetString());
                    correlationIds.Add(correlationId);
                }
            }
        }

        // Every write needs the database; an action the silo holds in memory may still be read (200).
        Assert.All(submissions, s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));
        using (var ready = await own.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        // The exception that made each 503 is in the gateway's log under the request's correlation id.
        var log = ReadLogs(own.DataPath);
        Assert.Contains(correlationIds, id => log.Contains(id, StringComparison.Ordinal) && log.Contains("Unavailable: the database", StringComparison.Ordinal));

        await own.Server.RestartAsync();
        var back = DateTime.UtcNow;
        var after = await Eventually.ResultAsync(() => actions.SubmitAsync("echo", new { n = 1 }), TimeSpan.FromSeconds(30),
            r => r.Status == HttpStatusCode.Accepted);
        output.WriteLine($"database down: {submissions.Count} submission(s), all 503; first 202 {(DateTime.UtcNow - back).TotalSeconds:0.0} s after it was back");
        Assert.True(DateTime.UtcNow - back < TimeSpan.FromSeconds(5), $"service back only after {(DateTime.UtcNow - back).TotalSeconds:0.0} s");
        ActionsClient.AssertStatus("succeeded", await actions.WaitAsync(after.Body.GetProperty("action_id").GetString()!));
    }

    /// <summary>A submission (a write), reads of an action list and of dead letters, and of an action this silo holds in memory.</summary>
    private static IEnumerable<HttpRequestMessage> Requests(int i, string actionId, string correlationId)
    {
        HttpRequestMessage[] requests =
        [
            new(HttpMethod.Post, "/v1/actions") { Content = JsonContent.Create(new { tool = "echo", args = new { n = i + 10 } }) },
            new(HttpMethod.Get, "/v1/actions"),
            new(HttpMethod.Get, "/v1/dlq"),
            new(HttpMethod.Get, $"/v1/actions/{actionId}"),
        ];
        foreach (var request in requests)
        {
            request.Headers.Add(CorrelationId.HeaderName, correlationId);
        }

        return requests;
    }

    private static string ReadLogs(string dataPath)
    {
        var folder = Path.Combine(dataPath, "logs");
        return !Directory.Exists(folder) ? string.Empty : string.Concat(Directory.GetFiles(folder).Select(file =>
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }));
    }
}
