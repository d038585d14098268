namespace Sonia.Grains.Actions;

/// <summary>
/// The clock action grains read deadlines from (confirmation expiry, leases, backoff): the silo's
/// <see cref="TimeProvider"/> unless a host registers another under <see cref="Key"/>. Tests give the actions a
/// fake clock this way without moving Orleans' own timers onto it.
/// </summary>
public static class ActionClock
{
    public const string Key = "sonia.actions.clock";
}
