using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

[Collection(SoniaClusterCollection.Name)]
public sealed class ActionsApiTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task SameKeySameBody_ReturnsTheExistingAction_DifferentBody_Is409()
    {
        var key = $"key-{Guid.NewGuid():N}";

        var (first, created) = await _actions.SubmitAsync("echo", new { a = 1, b = 2 }, key);
        var (again, existing) = await _actions.SubmitAsync("echo", new { b = 2, a = 1 }, key);
        var (changed, conflict) = await _actions.SubmitAsync("echo", new { a = 2 }, key);

        Assert.Equal(HttpStatusCode.Accepted, first);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(created.GetProperty("action_id").GetString(), existing.GetProperty("action_id").GetString());
        Assert.Equal(HttpStatusCode.Conflict, changed);
        Assert.Equal(409, conflict.GetProperty("status").GetInt32());
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE idempotency_key = @k", ("k", key)));
    }

    [Fact]
    public async Task ConcurrentSubmissionsWithOneKey_CreateOneAction()
    {
        var key = $"race-{Guid.NewGuid():N}";

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _actions.SubmitAsync("echo", new { same = true }, key)));

        Assert.Single(results, r => r.Status == HttpStatusCode.Accepted);
        Assert.All(results, r => Assert.Contains(r.Status, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK }));
        Assert.Single(results.Select(r => r.Body.GetProperty("action_id").GetString()).Distinct());
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE idempotency_key = @k", ("k", key)));
    }

    [Theory]
    [InlineData("no.such.tool", """{"x":1}""", "not registered")]
    [InlineData("note.save", """{"text":""}""", "args.text")]
    [InlineData("note.save", """{"text":"x","extra":1}""", "args")]
    [InlineData("drill.sleep", """{"ms":-1}""", "args.ms")]
    [InlineData("drill.fail", """{"failure_class":"nope"}""", "args.failure_class")]
    public async Task InvalidSubmission_Is400ListingTheProblem_AndStoresNothing(string tool, string args, string mentions)
    {
        var key = $"bad-{Guid.NewGuid():N}";

        var (status, problem) = await _actions.SubmitAsync(tool, JsonDocument.Parse(args).RootElement, key);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.Contains(mentions, StringComparison.Ordinal));
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE idempotency_key = @k", ("k", key)));
    }

    [Theory]
    [InlineData("""{"args":{}}""")]
    [InlineData("""{"tool":"echo"}""")]
    [InlineData("""{"tool":"echo","args":[1]}""")]
    [InlineData("""{"tool":"echo","args":{},"idempotency_key":"has space"}""")]
    [InlineData("""{"tool":"echo","args":{},"session_id":"nope"}""")]
    [InlineData("""{"tool":"echo",""")]
    public async Task MalformedBody_Is400Problem(string body)
    {
        using var response = await fixture.Http.PostAsync("/v1/actions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task HighRiskTool_WaitsForConfirmation_WrongHashIs409_RightHashRunsIt()
    {
        var (_, created) = await _actions.SubmitAsync("note.delete", new { memory_id = "mem_none" });
        var id = created.GetProperty("action_id").GetString()!;
        var hash = created.GetProperty("args_hash").GetString()!;
        ActionsClient.AssertStatus(ActionStatuses.AwaitingConfirmation, created);

        var (wrong, _) = await _actions.PostAsync($"/v1/actions/{id}/approve", new { args_hash = new string('0', 64) });
        ActionsClient.AssertStatus(ActionStatuses.AwaitingConfirmation, await _actions.GetAsync(id));
        var (right, approved) = await _actions.PostAsync($"/v1/actions/{id}/approve", new { args_hash = hash });
        var (twice, _) = await _actions.PostAsync($"/v1/actions/{id}/approve", new { args_hash = hash });

        Assert.Equal(HttpStatusCode.Conflict, wrong);
        Assert.Equal(HttpStatusCode.OK, right);
        Assert.Equal(ActionStatuses.Queued, approved.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, twice);
        var done = await _actions.WaitAsync(id);
        ActionsClient.AssertStatus(ActionStatuses.Succeeded, done);
        Assert.Equal(
            [ActionStatuses.Accepted, ActionStatuses.AwaitingConfirmation, ActionStatuses.Approved, ActionStatuses.Queued, ActionStatuses.Executing, ActionStatuses.Succeeded],
            ActionsClient.Transitions(done));
    }

    [Fact]
    public async Task Deny_EndsTheAction_AndItCanNoLongerBeApproved()
    {
        var (_, created) = await _actions.SubmitAsync("note.delete", new { memory_id = "mem_keep" });
        var id = created.GetProperty("action_id").GetString()!;

        var (denied, body) = await _actions.PostAsync($"/v1/actions/{id}/deny", new { reason = "not today" });
        var (approve, _) = await _actions.PostAsync($"/v1/actions/{id}/approve", new { args_hash = created.GetProperty("args_hash").GetString() });

        Assert.Equal(HttpStatusCode.OK, denied);
        ActionsClient.AssertStatus(ActionStatuses.Denied, body);
        Assert.Equal(HttpStatusCode.Conflict, approve);
    }

    [Fact]
    public async Task UnconfirmedAction_ExpiresByItself()
    {
        var (_, created) = await _actions.SubmitAsync("t.expiring", new { x = 2 });
        var id = created.GetProperty("action_id").GetString()!;

        var expired = await _actions.WaitAsync(id, ActionStatuses.Expired);

        Assert.Equal(FailureClasses.ConfirmationExpired, expired.GetProperty("failure_class").GetString());
        Assert.Equal([ActionStatuses.Accepted, ActionStatuses.AwaitingConfirmation, ActionStatuses.Expired], ActionsClient.Transitions(expired));
    }

    [Fact]
    public async Task List_FiltersBySession_NewestFirst_AndBoundsThePage()
    {
        var session = (await (await fixture.Http.PostAsync("/v1/sessions", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_id").GetString()!;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (_, body) = await _actions.SubmitAsync("echo", new { i }, sessionId: session);
            ids.Add(body.GetProperty("action_id").GetString()!);
        }

        var list = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/actions?session_id={session}&last_n=2");
        using var tooMany = await fixture.Http.GetAsync("/v1/actions?last_n=501");
        using var badStatus = await fixture.Http.GetAsync("/v1/actions?status=bogus");

        Assert.Equal([ids[2], ids[1]], list.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("action_id").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }

    [Fact]
    public async Task UnboundedLongPollTestDefect_WaitMs_AnswersWithinMomentsOfTheEnd_NotAtTheTimeout()
    {
        // A tool that waits for an operator, so the test decides when the action ends.
        var (_, created) = await _actions.SubmitAsync("note.delete", new { memory_id = $"mem_{Guid.NewGuid():N}" });
        var id = created.GetProperty("action_id").GetString()!;
        ActionsClient.AssertStatus(ActionStatuses.AwaitingConfirmation, created);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var poll = fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/actions/{id}?wait_ms=15000");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(poll.IsCompleted, "the long poll answered before the action ended");
        var ending = clock.Elapsed;
        var (denied, _) = await _actions.PostAsync($"/v1/actions/{id}/deny", new { reason = "long-poll test" });
        var action = await poll;
        var answeredAfterEnd = clock.Elapsed - ending;

        Assert.Equal(HttpStatusCode.OK, denied);
        ActionsClient.AssertStatus(ActionStatuses.Denied, action);
        Assert.Equal(ActionStatuses.Denied, ActionsClient.Transitions(action)[^1]);
        Assert.True(answeredAfterEnd < TimeSpan.FromSeconds(3), $"answered {answeredAfterEnd} after the action ended; the wait was 15 s");
    }

    [Fact]
    public async Task EqualArgumentsHashDifferentlyDefect_OneAndOnePointZero_AreTheSameRequestAndTheSameConfirmation()
    {
        var key = $"jcs-{Guid.NewGuid():N}";

        var (first, created) = await SubmitRawAsync("""{"tool":"echo","args":{"n":1,"s":"A"},"idempotency_key":"KEY"}""".Replace("KEY", key));
        var (again, existing) = await SubmitRawAsync("""{"tool":"echo","args":{"s":"A","n":1.0},"idempotency_key":"KEY"}""".Replace("KEY", key));
        var (_, other) = await SubmitRawAsync("""{"tool":"echo","args":{ "n" : 1e0, "s" : "A" }}""");

        Assert.Equal(HttpStatusCode.Accepted, first);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(created.GetProperty("action_id").GetString(), existing.GetProperty("action_id").GetString());
        Assert.Equal(created.GetProperty("args_hash").GetString(), other.GetProperty("args_hash").GetString());
        Assert.NotEqual(created.GetProperty("action_id").GetString(), other.GetProperty("action_id").GetString());
    }

    [Fact]
    public async Task ArgsThatAreNotIJson_Are400_AndStoreNothing()
    {
        var marker = $"dup-{Guid.NewGuid():N}";

        var (status, problem) = await SubmitRawAsync($$$"""{"tool":"echo","args":{"m":"{{{marker}}}","m":"again"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("I-JSON", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE args LIKE @m", ("m", $"%{marker}%")));
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SubmitRawAsync(string json)
    {
        using var response = await fixture.Http.PostAsync("/v1/actions", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(20001)]
    public async Task WaitMs_OutOfRange_Is400(int waitMs)
    {
        var id = await _actions.SubmitAcceptedAsync("echo", new { w = waitMs });

        using var response = await fixture.Http.GetAsync($"/v1/actions/{id}?wait_ms={waitMs}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/v1/actions/act_00000000000000000000000000")]
    [InlineData("POST", "/v1/actions/act_00000000000000000000000000/deny")]
    public async Task UnknownAction_Is404(string method, string path)
    {
        using var response = await fixture.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(new { }) : null });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
