using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Grains.Actions;

/// <summary>Tells the session an action belongs to that the action ended, so the session can push its result.</summary>
public sealed partial class ActionGrain
{
    /// <summary>
    /// One-way and after the commit: the session is told of a state that is already durable, and a session that is
    /// slow or gone never holds up the action.
    /// </summary>
    /// <param name="written">The action as the change just committed wrote it; null when the change wrote no action row.</param>
    private void NotifySessionOfEnd(ActionRecord? written)
    {
        if (written is { SessionId: { } sessionId } action && ActionStatuses.IsTerminal(action.Status))
        {
            GrainFactory.GetGrain<ISessionGrain>(sessionId).ActionEndedAsync(action.ToView()).Ignore();
        }
    }
}
