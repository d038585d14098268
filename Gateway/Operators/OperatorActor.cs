namespace Sonia.Gateway.Operators;

/// <summary>
/// Who asked for an audited change: the name of the API key that authenticated the request (<c>local</c> in open
/// local mode). The <c>X-Actor</c> header is no longer believed: anyone can write one.
/// </summary>
public static class OperatorActor
{
    public const string Anonymous = "anonymous";

    /// <summary>Kept for callers that still report a malformed actor; an authenticated name never is.</summary>
    public const string Rule = "the request must be authenticated with an API key";

    /// <summary>The authenticated key's name; <see cref="Anonymous"/> only on an endpoint that admits anonymous callers.</summary>
    public static string From(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : Anonymous;
}
