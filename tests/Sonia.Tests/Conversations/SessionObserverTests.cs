using System.Collections.Concurrent;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Conversations;

/// <summary>A grain observer from the test's cluster client receives a session's events, as the WebSocket stream does.</summary>
[Collection(ConversationCollection.Name)]
public sealed class SessionObserverTests(ConversationClusterFixture fixture)
{
    [Fact]
    public async Task Observer_GetsTheTurnsEvents_ThenAnActionResultWhenTheActionIsApprovedAfterTheTurn()
    {
        var client = fixture.Cluster.Client;
        var sessionId = SessionIds.New();
        var session = client.GetGrain<ISessionGrain>(sessionId);
        await session.OpenAsync("alice");
        var observer = new Recorder();
        var reference = client.CreateObjectReference<ISessionObserver>(observer);
        await session.SubscribeAsync(reference);
        var marker = $"obs-{Guid.NewGuid():N}";
        var memoryId = $"mem_{Guid.NewGuid():N}";
        fixture.Chat.Script(marker,
            ChatReply.WithToolCalls("I will forget it once you confirm.", ("note__delete", $$"""{"memory_id":"{{memoryId}}"}""")));

        var turn = await session.RunTurnAsync(new TurnRequest($"forget it {marker}", "obs-corr-1", "alice"));

        var proposed = Assert.Single(turn.Actions);
        Assert.Equal(ActionStatuses.AwaitingConfirmation, proposed.Status);
        Assert.NotNull(proposed.ArgsHash);
        var events = await WaitForAsync(observer, SessionEventTypes.TurnCompleted);
        Assert.Equal(
            [
                SessionEventTypes.TurnStarted, SessionEventTypes.MemoryResults, SessionEventTypes.AssistantText,
                SessionEventTypes.ActionProposed, SessionEventTypes.ActionConfirmationRequired, SessionEventTypes.TurnCompleted,
            ],
            events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal((sessionId, turn.TurnId, "obs-corr-1"), (e.SessionId, e.TurnId, e.CorrelationId)));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), events.Select(e => e.Sequence - events[0].Sequence + 1));
        var confirmation = JsonDocument.Parse(events[4].PayloadJson).RootElement;
        Assert.Equal(proposed.ArgsHash, confirmation.GetProperty("args_hash").GetString());
        Assert.Equal(memoryId, confirmation.GetProperty("args").GetProperty("memory_id").GetString());
        var said = JsonDocument.Parse(events[2].PayloadJson).RootElement.GetProperty("text").GetString();
        Assert.Equal("I will forget it once you confirm.", said);

        // Long after the turn: the owner approves the assistant's proposal (four-eyes holds: it did not submit it).
        var action = client.GetGrain<IActionGrain>(proposed.ActionId);
        var approved = await action.ApproveAsync(proposed.ArgsHash!, "alice");
        Assert.Equal(CommandOutcome.Done, approved.Outcome);
        Assert.Equal("assistant:alice", approved.Action!.SubmittedBy);

        var all = await WaitForAsync(observer, SessionEventTypes.ActionResult);
        var result = all.Single(e => e.Type == SessionEventTypes.ActionResult);
        Assert.True(all.IndexOf(result) > all.FindIndex(e => e.Type == SessionEventTypes.TurnCompleted));
        Assert.Equal((turn.TurnId, "obs-corr-1"), (result.TurnId, result.CorrelationId));
        var payload = JsonDocument.Parse(result.PayloadJson).RootElement;
        Assert.Equal(proposed.ActionId, payload.GetProperty("action_id").GetString());
        Assert.Equal(ActionStatuses.Succeeded, payload.GetProperty("status").GetString());
        Assert.False(payload.GetProperty("result").GetProperty("deleted").GetBoolean());

        var history = await Eventually.ResultAsync(() => session.GetAsync(), TimeSpan.FromSeconds(10),
            s => s!.Turns.Single().Actions.Single().Status == ActionStatuses.Succeeded);
        Assert.Null(history!.Turns.Single().Actions.Single().ArgsHash);
        await session.UnsubscribeAsync(reference);
    }

    [Fact]
    public async Task Unsubscribed_Observer_GetsNothing()
    {
        var client = fixture.Cluster.Client;
        var session = client.GetGrain<ISessionGrain>(SessionIds.New());
        await session.OpenAsync("bob");
        var observer = new Recorder();
        var reference = client.CreateObjectReference<ISessionObserver>(observer);
        await session.SubscribeAsync(reference);
        await session.UnsubscribeAsync(reference);

        await session.RunTurnAsync(new TurnRequest($"hello {Guid.NewGuid():N}", null, "bob"));
        var watcher = new Recorder();
        await session.SubscribeAsync(client.CreateObjectReference<ISessionObserver>(watcher));
        await session.RunTurnAsync(new TurnRequest($"again {Guid.NewGuid():N}", null, "bob"));
        await WaitForAsync(watcher, SessionEventTypes.TurnCompleted);

        Assert.Empty(observer.Events);
    }

    private static Task<List<SessionEvent>> WaitForAsync(Recorder observer, string type) =>
        Eventually.ResultAsync(() => Task.FromResult(observer.Events.OrderBy(e => e.Sequence).ToList()), TimeSpan.FromSeconds(20),
            all => all.Any(e => e.Type == type));

    private sealed class Recorder : ISessionObserver
    {
        public ConcurrentQueue<SessionEvent> Events { get; } = new();

        public void OnEvent(SessionEvent e) => Events.Enqueue(e);
    }
}
