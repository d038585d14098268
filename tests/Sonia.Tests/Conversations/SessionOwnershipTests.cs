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
    public async Task AssistantProposal_IsVisibleToAndApprovableByTheOwnerOnly()
    {
        var owner = new TurnsClient(_gateway.As("client-a"));
        var session = await owner.OpenAsync();
        var word = $"heron{Guid.NewGuid():N}"[..20];
        await owner.TurnOkAsync(session, $"note: the {word} visits at dawn");
        var forget = await owner.TurnOkAsync(session, $"forget the {word}");
        var proposal = Assert.Single(forget.GetProperty("actions").EnumerateArray());
        var actionId = proposal.GetProperty("action_id").GetString()!;
        var hash = proposal.GetProperty("args_hash").GetString()!;

        var mine = await new ActionsClient(_gateway.As("client-a")).GetAsync(actionId);
        using var other = await _gateway.As("client-b").GetAsync($"/v1/actions/{actionId}");

        Assert.Equal("assistant:client-a", mine.GetProperty("submitted_by").GetString());
        Assert.Equal(hash, mine.GetProperty("args_hash").GetString());
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);

        // The socket approves with the socket's actor, straight on the grain: the owner is not the submitter.
        var approved = await fixture.Cluster.Client.GetGrain<IActionGrain>(actionId).ApproveAsync(hash, "client-a");
        Assert.Equal(CommandOutcome.Done, approved.Outcome);
    }
}
