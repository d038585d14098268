using Sonia.Gateway.Security;

namespace Sonia.Gateway.Streaming;

/// <summary>Who holds a socket: the key's name (the audited actor) and role, and whether it came as an <c>auth</c> frame.</summary>
public sealed record StreamCaller(string Name, string Role, bool ByFrame)
{
    /// <summary>Operators and admins may watch any session; a client only the ones it opened.</summary>
    public bool SeesEverySession => SoniaRoles.Rank(Role) >= SoniaRoles.Rank(SoniaRoles.Operator);
}
