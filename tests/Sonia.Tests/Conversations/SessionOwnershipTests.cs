using System.Net;
using System.Net.Http.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;
using Sonia.Tests.Security;

namespace Sonia.Tests.Conversations;

/// <summary>With keys: a client sees only the sessions it opened; the assistant's proposals in them are the client's.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class SessionOwnershipTests(SoniaClusterFixture fixture) : IAsyncLifetime
{
    private SecuredGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await SecuredGateway.StartAsync(fixture);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task AnotherClientsSession_Is404ForReadAndTurn_OperatorsSeeIt()
    {
        var owner = new TurnsClient(_gateway.As("client-a"));
        var session = await owner.OpenAsync();
        var other = new TurnsClient(_gateway.As("client-b"));

        var (read, _) = await other.GetSessionAsync(session);
        var (turn, _) = await other.TurnAsync(session, "echo not mine");
        // An action naming another client's session would push its result to that session's stream: refused the same way.
        using var action = await _gateway.As("client-b").PostAsJsonAsync("/v1/actions",
            new { tool = "echo", args = new { text = "into someone else's session" }, session_id = session });
        var (operatorRead, seen) = await new TurnsClient(_gateway.As("ops-1")).GetSessionAsync(session);
        var (ownRead, own) = await owner.GetSessionAsync(session);

        Assert.Equal(HttpStatusCode.NotFound, read);
        Assert.Equal(HttpStatusCode.NotFound, turn);
        Assert.Equal(HttpStatusCode.NotFound, action.StatusCode);
        Assert.Equal(HttpStatusCode.OK, operatorRead);
        Assert.Equal("client-a", seen.GetProperty("opened_by").GetString());
        Assert.Equal(HttpStatusCode.OK, ownRead);
        Assert.Equal(0, own.GetProperty("turn_count").GetInt32());
    }

    [Fact]
    public async Task AssistantProposal_IsVisibleToAndApprovableByTheOwnerOnly_OverRest()
    {
        var (actionId, hash) = await ProposeAsync("client-a");

        var mine = await new ActionsClient(_gateway.As("client-a")).GetAsync(actionId);
        using var other = await _gateway.As("client-b").GetAsync($"/v1/actions/{actionId}");
        using var otherApproves = await _gateway.As("client-b").PostAsJsonAsync(
            $"/v1/actions/{actionId}/approve", new { args_hash = hash });
        using var otherDenies = await _gateway.As("client-b").PostAsJsonAsync($"/v1/actions/{actionId}/deny", new { reason = "not mine" });
        // Four-eyes holds: the proposer is the assistant, not the owner's key.
        var (status, approved) = await new ActionsClient(_gateway.As("client-a")).PostAsync(
            $"/v1/actions/{actionId}/approve", new { args_hash = hash });

        Assert.Equal("assistant:client-a", mine.GetProperty("submitted_by").GetString());
        Assert.Equal(hash, mine.GetProperty("args_hash").GetString());
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherApproves.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherDenies.StatusCode);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {approved}");
        Assert.NotEqual("awaiting_confirmation", approved.GetProperty("status").GetString());
        var ended = await new ActionsClient(_gateway.As("client-a")).WaitAsync(actionId);
        Assert.Equal("succeeded", ended.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AssistantProposal_IsDeniableByTheOwner_AndAClientsOwnSubmissionStillNeedsAnOperator()
    {
        var (actionId, _) = await ProposeAsync("client-a");
        var own = await new ActionsClient(_gateway.As("client-a")).SubmitAcceptedAsync(
            "note.delete", new { memory_id = $"mem_{Guid.NewGuid():N}" });

        var (denied, body) = await new ActionsClient(_gateway.As("client-a")).PostAsync(
            $"/v1/actions/{actionId}/deny", new { reason = "changed my mind" });
        using var ownApproval = await _gateway.As("client-a").PostAsJsonAsync(
            $"/v1/actions/{own}/approve", new { args_hash = new string('a', 64) });

        Assert.True(denied == HttpStatusCode.OK, $"{(int)denied}: {body}");
        Assert.Equal("denied", body.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, ownApproval.StatusCode);
    }

    [Fact]
    public async Task AssistantProposal_IsListedForTheOwner_BesideItsOwnSubmissions_AndNotForAnotherClient()
    {
        var (proposed, _) = await ProposeAsync("client-a");
        var session = (await new ActionsClient(_gateway.As("client-a")).GetAsync(proposed)).GetProperty("session_id").GetString()!;
        var own = await new ActionsClient(_gateway.As("client-a")).SubmitAcceptedAsync("echo", new { text = "mine" });

        var mine = await ListAsync("client-a", "/v1/actions?last_n=500");
        var inSession = await ListAsync("client-a", $"/v1/actions?session_id={session}");
        var others = await ListAsync("client-b", $"/v1/actions?session_id={session}");

        Assert.Contains(proposed, mine);
        Assert.Contains(own, mine);
        Assert.Contains(proposed, inSession);
        Assert.DoesNotContain(proposed, others);
    }

    private async Task<List<string>> ListAsync(string key, string path)
    {
        using var response = await _gateway.As(key).GetAsync(path);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return body.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("action_id").GetString()!).ToList();
    }

    /// <summary>A turn of <paramref name="owner"/>'s that makes the assistant propose a note.delete awaiting confirmation.</summary>
    private async Task<(string ActionId, string Hash)> ProposeAsync(string owner)
    {
        var turns = new TurnsClient(_gateway.As(owner));
        var session = await turns.OpenAsync();
        var word = $"heron{Guid.NewGuid():N}"[..20];
        await turns.TurnOkAsync(session, $"note: the {word} visits at dawn");
        var forget = await turns.TurnOkAsync(session, $"forget the {word}");
        var proposal = Assert.Single(forget.GetProperty("actions").EnumerateArray());
        return (proposal.GetProperty("action_id").GetString()!, proposal.GetProperty("args_hash").GetString()!);
    }
}
