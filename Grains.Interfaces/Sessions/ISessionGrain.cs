namespace Sonia.Grains.Interfaces.Sessions;

/// <summary>One conversation: its lifecycle and, later, its turns. Keyed by session id.</summary>
[Alias("sonia.session")]
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Starts the session; calling it again returns the session as first created.</summary>
    [Alias("open")]
    Task<SessionView> OpenAsync();

    /// <summary>The session, or null when no session with this id was ever opened.</summary>
    [Alias("get")]
    Task<SessionView?> GetAsync();
}
