using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sonia.Tests.Actions;
using Sonia.Tests.DeadLetters;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Api;

/// <summary>Issue 9, items 2-5, 8 and 10: what a user who pastes or mistypes a request is told.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class RequestValidationTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Theory]
    [InlineData("/v1/actions?status=&session_id=&last_n=50")]
    [InlineData("/v1/dlq?status=&failure_class=&tool=&since=&last_n=50")]
    [InlineData("/v1/breakers/router?minutes=")]
    [InlineData("/v1/actions/act_01KBFJ0Z2M3N4P5Q6R7S8T9V0W?wait_ms=")]
    public async Task EmptyQueryValue_MeansNoFilter_Not400(string path)
    {
        using var response = await fixture.Http.GetAsync(path);

        Assert.NotEqual(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task EmptyToolFilter_ListsEveryTool_NotAnEmptyList()
    {
        await _actions.SubmitAcceptedAsync("echo", new { marker = Guid.NewGuid().ToString("N") });

        var all = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/actions?session_id=&last_n=5");

        Assert.NotEqual(0, all.GetProperty("actions").GetArrayLength());
    }

    [Theory]
    [InlineData("/v1/actions?last_n=abc", "last_n must be an integer from 1 to 500; got 'abc'")]
    [InlineData("/v1/actions?status=bogus", "status must be one of")]
    [InlineData("/v1/dlq?since=yesterday", "since must be an ISO 8601 date-time")]
    [InlineData("/v1/dlq?last_n=1&last_n=2", "query parameter last_n must appear once")]
    [InlineData("/v1/breakers/router?minutes=0", "minutes must be an integer from 1 to 1440")]
    public async Task BadQueryValue_Is400NamingTheParameterAndWhatItExpects(string path, string expected)
    {
        using var response = await fixture.Http.GetAsync(path);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SingleReplay_DryRunFalseInTheBody_ReplaysForReal()
    {
        var dlqId = (await DeadLetterMaker.DeadLetteredAsync(_actions)).GetProperty("dlq_id").GetString()!;

        var (status, replay) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay", new { dry_run = false });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(replay.GetProperty("dry_run").GetBoolean());
        Assert.NotNull(replay.GetProperty("replay_action_id").GetString());
        Assert.Equal("replayed", replay.GetProperty("dead_letter").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("/v1/dlq/{dlq}/replay?dry_run=0", null, "dry_run must be true or false; got '0'")]
    [InlineData("/v1/dlq/replay?dry_run=yes", null, "dry_run must be true or false; got 'yes'")]
    [InlineData("/v1/dlq/{dlq}/replay?dry_run=true", """{"dry_run":false}""", "dry_run is true in the query")]
    [InlineData("/v1/dlq/replay?dry_run=false", """{"dry_run":true}""", "dry_run is false in the query")]
    public async Task DryRun_ReadTheSameWayOnSingleAndBatchReplay_BadOrConflictingValueIs400(string path, string? body, string expected)
    {
        var dlqId = path.Contains("{dlq}", StringComparison.Ordinal)
            ? (await DeadLetterMaker.DeadLetteredAsync(_actions)).GetProperty("dlq_id").GetString()!
            : null;

        using var response = await fixture.Http.PostAsync(
            path.Replace("{dlq}", dlqId, StringComparison.Ordinal), body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        if (dlqId is not null)
        {
            var record = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/{dlqId}");
            Assert.Equal("unresolved", record.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task UnknownMember_CamelCaseIdempotencyKey_Is400NamingIt_AndStoresNothing()
    {
        var key = $"camel-{Guid.NewGuid():N}";
        var body = $$"""{"tool":"echo","args":{"a":1},"idempotencyKey":"{{key}}"}""";

        using var response = await fixture.Http.PostAsync("/v1/actions", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.True(detail.Contains("idempotency_key", StringComparison.Ordinal), detail);
        Assert.Contains("unknown member 'idempotencyKey'", detail, StringComparison.Ordinal);
        Assert.Contains("idempotency_key", detail, StringComparison.Ordinal);
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE args::text LIKE '%\"a\": 1%' AND idempotency_key = @k",
            ("k", key)));
    }

    [Theory]
    [InlineData("/v1/actions", """{"tool":"echo","args":""", "application/json", 400, "not valid JSON")]
    [InlineData("/v1/actions", "", "application/json", 400, "body")]
    [InlineData("/v1/actions", """{"tool":"echo","args":{}}""", null, 415, "Content-Type must be application/json; got none")]
    [InlineData("/v1/actions", """{"tool":"echo","args":{}}""", "text/plain", 415, "Content-Type must be application/json; got 'text/plain")]
    [InlineData("/v1/dlq/replay", """{"max_per_second":"abc"}""", "application/json", 400, "max_per_second must be a number")]
    [InlineData("/v1/dlq/replay", """{"since":"yesterday"}""", "application/json", 400, "since must be an ISO 8601 date-time")]
    [InlineData("/v1/dlq/replay", """{"dry_run":0}""", "application/json", 400, "dry_run must be true or false")]
    public async Task UnreadableBody_IsProblemJsonNamingWhatIsWrong(string path, string body, string? contentType, int status, string expected)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        using var response = await fixture.Http.PostAsync(path, content);

        var problem = await ProblemAsync(response, (HttpStatusCode)status);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Undefined, problem.GetProperty("errors").ValueKind);
    }

    [Fact]
    public async Task ActionNamingAMissingSession_Is404NamingTheSession_AndStoresNothing()
    {
        var key = $"nosession-{Guid.NewGuid():N}";
        const string session = "ses_01KBFJ0Z2M3N4P5Q6R7S8T9V0W";

        var (status, problem) = await _actions.SubmitAsync("echo", new { a = 1 }, key, session);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains(session, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE idempotency_key = @k", ("k", key)));
    }

    [Fact]
    public async Task HeadHealthz_Is200()
    {
        using var response = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/healthz"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ProblemTraceId_IsTheBare32HexTraceId_LikeLogLines()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/actions?last_n=0");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        using var response = await fixture.Http.SendAsync(request);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(traceId, problem.GetProperty("trace_id").GetString());
        Assert.False(problem.TryGetProperty("traceId", out _));
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
