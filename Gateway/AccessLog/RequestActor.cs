using Sonia.Gateway.Operators;

namespace Sonia.Gateway.AccessLog;

/// <summary>Who made a request, as the access log names them: the authenticated user once there is one, else the claimed actor.</summary>
public static class RequestActor
{
    public const string Invalid = "invalid";

    public static string Of(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : OperatorActor.From(context) ?? Invalid;
}
