using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Sessions;

/// <summary><c>Sonia:Sessions</c>: how much history a session keeps and shows the router, and how a turn waits.</summary>
public sealed class SessionOptions
{
    public const string SectionName = "Sonia:Sessions";

    /// <summary>
    /// Turns a session keeps (oldest dropped first); they are its persisted state and <c>GET /v1/sessions/{id}</c> shows them.
    /// </summary>
    [Range(1, 1000)]
    public int MaxTurns { get; set; } = 50;

    /// <summary>How many of the most recent turns the router sees as history.</summary>
    [Range(0, 100)]
    public int RouterHistoryTurns { get; set; } = 10;

    /// <summary>
    /// How long a turn waits for an action that runs at once (one needing no confirmation) to finish, so its answer
    /// can say how it went; a slower action is answered as it stands and its <c>action.result</c> event follows.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan ActionWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A subscription not renewed for this long lapses (subscribers renew at least every minute).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ObserverExpiry { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Actions of past turns whose end the session still waits to report; the oldest are forgotten beyond this.</summary>
    [Range(1, 100000)]
    public int MaxPendingActions { get; set; } = 1000;
}

[OptionsValidator]
public sealed partial class SessionOptionsValidator : IValidateOptions<SessionOptions>;
