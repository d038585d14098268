namespace Sonia.Gateway.Diagnostics;

/// <summary><c>metadata.json</c>: what the bundle is, who asked, and everything it could not collect or had to cut.</summary>
public sealed record IncidentBundleMetadata(
    string BundleId,
    DateTimeOffset CreatedAt,
    BundleWindow Window,
    string GitCommit,
    string SoniaVersion,
    string DotnetVersion,
    string OrleansVersion,
    string RequestedBy,
    string CorrelationId,
    BundleLimits Limits,
    IReadOnlyList<FailedCollector> FailedCollectors,
    IReadOnlyList<string> LimitsReached,
    IReadOnlyList<string> Notes,
    IReadOnlyList<LogFileSummary> Logs,
    int SecretsRedacted,
    IReadOnlyList<string> Entries);

/// <summary>The window: <see cref="From"/> ≤ time &lt; <see cref="To"/>.</summary>
public sealed record BundleWindow(int Minutes, DateTimeOffset From, DateTimeOffset To);

public sealed record BundleLimits(int MaxLinesPerLogFile, int MaxRowsPerTable, int BreakerSeriesMinutes);

/// <summary>A part of the bundle that is missing, and why.</summary>
public sealed record FailedCollector(string Name, string Error);

/// <summary>One log file: how many of its lines were in the window, how many the bundle kept (the newest).</summary>
public sealed record LogFileSummary(string Process, string File, string Entry, int LinesInWindow, int LinesKept)
{
    public bool Truncated => LinesKept < LinesInWindow;
}
