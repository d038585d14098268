namespace Sonia.Hosting.Logging;

/// <summary>The <c>log</c> field of a JSON Lines record: which stream of the operator's logs a line belongs to.</summary>
public static class LogKinds
{
    /// <summary>The property (and JSON field) that names the stream.</summary>
    public const string Property = "log";

    public const string Turn = "turn_log";
    public const string Tool = "tool_log";
    public const string Error = "error_log";

    /// <summary>One line per HTTP request the gateway served: method, route, status, duration, actor; never a body.</summary>
    public const string Access = "access_log";

    /// <summary>Everything else the process says about itself (start-up, membership, shutdown).</summary>
    public const string App = "app_log";

    /// <summary>A logging scope that puts every line logged inside it into <paramref name="kind"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Scope(string kind) => [new(Property, kind)];
}
