using System.Text.RegularExpressions;

namespace Sonia.Gateway.Operators;

/// <summary>
/// Who asked for an audited change: the <c>X-Actor</c> header (at most 64 chars of <c>[A-Za-z0-9._@:-]</c>),
/// or <c>anonymous</c> when absent. Authentication is not part of the gateway yet; the audit records what was claimed.
/// </summary>
public static partial class OperatorActor
{
    public const string HeaderName = "X-Actor";
    public const string Anonymous = "anonymous";

    /// <summary>What a malformed header is told.</summary>
    public const string Rule = $"{HeaderName} must be at most 64 characters of [A-Za-z0-9._@:-]";

    /// <summary>The actor, or null when the header is present but malformed.</summary>
    public static string? From(HttpContext context)
    {
        var values = context.Request.Headers[HeaderName];
        if (values.Count == 0)
        {
            return Anonymous;
        }

        return values.Count == 1 && values[0] is { } actor && Shape().IsMatch(actor) ? actor : null;
    }

    [GeneratedRegex("^[A-Za-z0-9._@:-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
