using Orleans.Concurrency;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Interfaces.Sessions;

/// <summary>One conversation: its lifecycle, its bounded turn history and the turn pipeline. Keyed by session id.</summary>
[Alias("sonia.session")]
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Starts the session; calling it again returns the session as first created.</summary>
    [Alias("open")]
    Task<SessionView> OpenAsync();

    /// <summary>Starts the session owned by <paramref name="openedBy"/>; calling it again returns the session as first created.</summary>
    [Alias("open-by")]
    Task<SessionView> OpenAsync(string openedBy);

    /// <summary>The session, or null when no session with this id was ever opened. Answers while a turn runs.</summary>
    [Alias("get"), AlwaysInterleave]
    Task<SessionView?> GetAsync();

    /// <summary>
    /// Runs one turn: memory search, router, proposed actions; events go to the subscribed observers. Throws
    /// <see cref="InvalidOperationException"/> when the session was never opened or the text is empty or too long.
    /// </summary>
    [Alias("run-turn")]
    Task<TurnResult> RunTurnAsync(TurnRequest request);

    /// <summary>Subscribes an observer to the session's events; re-subscribe at least every 60 s (lapses after 3 min).</summary>
    [Alias("subscribe"), AlwaysInterleave]
    Task SubscribeAsync(ISessionObserver observer);

    [Alias("unsubscribe"), AlwaysInterleave]
    Task UnsubscribeAsync(ISessionObserver observer);

    /// <summary>Told by an action of this session when it reaches a terminal state; pushes <c>action.result</c>.</summary>
    [OneWay, Alias("action-ended")]
    Task ActionEndedAsync(ActionView action);
}
