namespace Sonia.Grains.Interfaces.Diagnostics;

/// <summary>
/// The database side of an incident bundle: actions, dead letters and audit rows in a time window, each read bounded
/// by a row limit. A stateless worker: any silo answers, and several bundles do not queue behind each other.
/// </summary>
[Alias("sonia.incident-bundle")]
public interface IIncidentBundleGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// One of <see cref="BundleTables"/> for <paramref name="from"/> ≤ time &lt; <paramref name="to"/>,
    /// at most <paramref name="limit"/> rows.
    /// </summary>
    [Alias("read-table")]
    Task<BundleTable> ReadTableAsync(string table, DateTimeOffset from, DateTimeOffset to, int limit);
}

/// <summary>The tables an incident bundle reads; each becomes <c>&lt;folder&gt;/&lt;name&gt;.jsonl</c>.</summary>
public static class BundleTables
{
    /// <summary>Actions created in the window, newest first.</summary>
    public const string ActionTimeline = "actions/timeline";

    /// <summary>Actions not finished now (accepted, awaiting confirmation, approved, queued, executing), oldest first.</summary>
    public const string ActionsPending = "actions/pending";

    /// <summary>Dead letters created or resolved in the window, newest first.</summary>
    public const string DeadLetters = "dlq/records";

    /// <summary><c>sonia.action_audit</c> rows in the window, oldest first.</summary>
    public const string ActionAudit = "audit/action_audit";

    /// <summary><c>sonia.operator_audit</c> rows in the window, oldest first.</summary>
    public const string OperatorAudit = "audit/operator_audit";

    public static readonly IReadOnlyList<string> All = [ActionTimeline, ActionsPending, DeadLetters, ActionAudit, OperatorAudit];
}

/// <summary>
/// Rows as JSON Lines (one object per row, snake_case columns). <see cref="LimitReached"/>: there were more than
/// <see cref="Limit"/> and the rest were left out.
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.bundle-table")]
public sealed record class BundleTable(
    [property: Id(0)] string Name,
    [property: Id(1)] int Rows,
    [property: Id(2)] int Limit,
    [property: Id(3)] bool LimitReached,
    [property: Id(4)] string JsonLines);
