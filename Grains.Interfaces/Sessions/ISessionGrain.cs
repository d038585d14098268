namespace Sonia.Grains.Interfaces.Sessions;

/// <summary>One conversation: its lifecycle, its bounded turn history and the turn pipeline. Keyed by session id.</summary>
[Alias("sonia.session")]
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Starts the session; calling it again returns the session as first created.</summary>
    [Alias("open")]
    Task<SessionView> OpenAsync();

    /// <summary>The session, or null when no session with this id was ever opened.</summary>
    [Alias("get")]
    Task<SessionView?> GetAsync();

    /// <summary>Runs one turn: memory search, router, proposed actions; events go to the subscribed observers.</summary>
    [Alias("run-turn")]
    Task<TurnResult> RunTurnAsync(TurnRequest request);

    /// <summary>Subscribes an observer to the session's events; re-subscribe at least every 60 s (lapses after 3 min).</summary>
    [Alias("subscribe")]
    Task SubscribeAsync(ISessionObserver observer);

    [Alias("unsubscribe")]
    Task UnsubscribeAsync(ISessionObserver observer);
}
