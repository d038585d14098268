using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Gateway.Sessions;

/// <summary>
/// Who may see a session: the key that opened it, and operator and admin keys (open local mode is everyone). Anyone
/// else is told it does not exist, so a client cannot probe for other clients' session ids.
/// </summary>
public static class SessionAccess
{
    public static bool CanSee(HttpContext context, SessionView session) =>
        context.RequestServices.GetRequiredService<SecurityMode>().Open
        || SoniaRoles.Holds(context.User, SoniaRoles.Operator)
        || (session.OpenedBy.Length > 0 && string.Equals(session.OpenedBy, context.User.Identity?.Name, StringComparison.Ordinal));
}
