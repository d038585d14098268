namespace Sonia.Grains.Backups;

/// <summary>How a column is written into (and read back from) a canonical line (see <see cref="CanonicalRows"/>).</summary>
public enum ColumnKind
{
    Text,
    Int,
    Long,
    Bool,
    Time,
    Bytes,
}

public sealed record BackupColumn(string Name, ColumnKind Kind);

/// <summary>
/// One table backed up as canonical rows (<see cref="CanonicalRows"/>): a row per line, columns in this order, rows ordered by
/// <see cref="OrderBy"/> (the primary key), so the same rows always give the same bytes, and the same SHA-256, in the
/// application and the database.
/// </summary>
public sealed record BackupTable(
    string Artifact, string Table, string Key, IReadOnlyList<BackupColumn> Columns, string OrderBy, string? Filter = null)
{
    public string ColumnList => string.Join(", ", Columns.Select(c => c.Name));

    /// <summary>The snapshot read of this table from <paramref name="schema"/> (the live one, or a scratch copy).</summary>
    public string Select(string? schema = null) =>
        $"SELECT {ColumnList} FROM {(schema is null ? Table : $"{schema}.{Unqualified}")}" +
        (Filter is null ? string.Empty : $" WHERE {Filter}") + $" ORDER BY {OrderBy}";

    public string Unqualified => Table[(Table.IndexOf('.') + 1)..];
}

/// <summary>The tables a backup holds, per dialect (the Orleans storage table is named differently on each).</summary>
public static class BackupTables
{
    public const string DeadLetters = "dead_letters.tsv";
    public const string Actions = "actions.tsv";

    private static readonly BackupColumn[] ActionColumns =
    [
        new("action_id", ColumnKind.Text), new("session_id", ColumnKind.Text), new("tool", ColumnKind.Text), new("args", ColumnKind.Text),
        new("args_hash", ColumnKind.Text), new("request_hash", ColumnKind.Text), new("idempotency_key", ColumnKind.Text),
        new("status", ColumnKind.Text), new("requires_confirmation", ColumnKind.Bool), new("attempts", ColumnKind.Int),
        new("failure_class", ColumnKind.Text), new("error", ColumnKind.Text), new("result", ColumnKind.Text),
        new("correlation_id", ColumnKind.Text), new("replay_of", ColumnKind.Text), new("dlq_id", ColumnKind.Text),
        new("created_at", ColumnKind.Time), new("updated_at", ColumnKind.Time), new("expires_at", ColumnKind.Time),
        new("next_attempt_at", ColumnKind.Time), new("lease_until", ColumnKind.Time), new("version", ColumnKind.Int),
        // Since sonia-backup/3: who submitted the action, which decides which client key sees it (lease_owner, a running
        // attempt's silo, is left out: a restored lease would name a silo that no longer holds it).
        new("submitted_by", ColumnKind.Text),
    ];

    private static readonly BackupColumn[] DeadLetterColumns =
    [
        new("dlq_id", ColumnKind.Text), new("action_id", ColumnKind.Text), new("correlation_id", ColumnKind.Text),
        new("failure_class", ColumnKind.Text), new("error_type", ColumnKind.Text), new("error_message", ColumnKind.Text),
        new("attempts", ColumnKind.Int), new("tool", ColumnKind.Text), new("args", ColumnKind.Text),
        new("idempotency_key", ColumnKind.Text),
        new("status", ColumnKind.Text), new("created_at", ColumnKind.Time), new("resolved_at", ColumnKind.Time),
        new("resolved_by", ColumnKind.Text), new("resolution_reason", ColumnKind.Text), new("replay_action_id", ColumnKind.Text),
    ];

    private static readonly BackupColumn[] AuditColumns =
    [
        new("audit_id", ColumnKind.Long), new("action_id", ColumnKind.Text), new("from_status", ColumnKind.Text),
        new("to_status", ColumnKind.Text), new("at", ColumnKind.Time), new("actor", ColumnKind.Text),
        new("correlation_id", ColumnKind.Text), new("detail", ColumnKind.Text),
    ];

    private static readonly BackupColumn[] AttemptColumns =
    [
        new("action_id", ColumnKind.Text), new("attempt", ColumnKind.Int), new("started_at", ColumnKind.Time),
        new("finished_at", ColumnKind.Time), new("outcome", ColumnKind.Text), new("failure_class", ColumnKind.Text),
        new("error", ColumnKind.Text), new("correlation_id", ColumnKind.Text),
    ];

    private static readonly BackupColumn[] ExecutionColumns =
    [
        new("idempotency_key", ColumnKind.Text), new("action_id", ColumnKind.Text), new("tool", ColumnKind.Text),
        new("result", ColumnKind.Text), new("executed_at", ColumnKind.Time),
    ];

    // Not the PostgreSQL full-text column (search): it is generated from text.
    private static readonly BackupColumn[] MemoryColumns =
    [
        new("memory_id", ColumnKind.Text), new("session_id", ColumnKind.Text), new("text", ColumnKind.Text),
        new("tags", ColumnKind.Text), new("created_at", ColumnKind.Time), new("correlation_id", ColumnKind.Text),
    ];

    private static readonly BackupColumn[] OperatorAuditColumns =
    [
        new("audit_id", ColumnKind.Long), new("at", ColumnKind.Time), new("actor", ColumnKind.Text),
        new("operation", ColumnKind.Text), new("target", ColumnKind.Text), new("correlation_id", ColumnKind.Text),
        new("detail", ColumnKind.Text),
    ];

    private static readonly BackupColumn[] GrainStateColumns =
    [
        new("graintypestring", ColumnKind.Text), new("grainidn0", ColumnKind.Long), new("grainidn1", ColumnKind.Long),
        new("grainidextensionstring", ColumnKind.Text), new("version", ColumnKind.Int), new("modifiedon", ColumnKind.Time),
        new("payloadbinary", ColumnKind.Bytes),
    ];

    private static readonly BackupColumn[] JournalColumns = [new("scriptname", ColumnKind.Text), new("applied", ColumnKind.Time)];

    public static readonly BackupTable DeadLetterTable = new(DeadLetters, "sonia.dead_letters", "dlq_id", DeadLetterColumns, "dlq_id");

    public static readonly BackupTable ActionTable = new(Actions, "sonia.actions", "action_id", ActionColumns, "action_id");

    /// <summary>The actions artifact of <c>sonia-backup/2</c>, before it held <c>submitted_by</c>.</summary>
    private static readonly BackupTable ActionTableV2 = ActionTable with { Columns = ActionColumns[..^1] };

    /// <summary>The format this Sonia writes: canonical rows, the actions artifact with <c>submitted_by</c>.</summary>
    public const string Format = "sonia-backup/3";

    /// <summary>The format before <see cref="Format"/>, still test-restored and restored with its own columns.</summary>
    public const string FormatV2 = "sonia-backup/2";

    /// <summary>
    /// The tables a backup of <paramref name="format"/> test-restores and restores (actions first: a dead letter's foreign
    /// key needs its action), with that format's columns; null for a format this Sonia does not restore.
    /// </summary>
    public static RestoredTables? Restored(string? format) => format switch
    {
        Format => new RestoredTables(ActionTable, DeadLetterTable),
        FormatV2 => new RestoredTables(ActionTableV2, DeadLetterTable),
        _ => null,
    };

    /// <summary>The formats <see cref="Restored"/> knows, newest first.</summary>
    public static IReadOnlyList<string> RestoredFormats { get; } = [Format, FormatV2];

    /// <summary>Every table of a backup, in the order they are read (all inside one snapshot transaction).</summary>
    /// <param name="storageTable">The Orleans grain storage table of the dialect; rows of @service_id only.</param>
    public static IReadOnlyList<BackupTable> All(string storageTable) =>
    [
        DeadLetterTable,
        ActionTable,
        new("action_audit.tsv", "sonia.action_audit", "audit_id", AuditColumns, "audit_id"),
        new("action_attempts.tsv", "sonia.action_attempts", "action_id", AttemptColumns, "action_id, attempt"),
        // The built-in executor's record of each side effect it ran: what keeps a restored action from running twice.
        new("executions.tsv", "sonia.executions", "idempotency_key", ExecutionColumns, "idempotency_key"),
        // What note.save wrote: the assistant's memory, searched on every turn.
        new("memories.tsv", "sonia.memories", "memory_id", MemoryColumns, "memory_id"),
        new("operator_audit.tsv", "sonia.operator_audit", "audit_id", OperatorAuditColumns, "audit_id"),
        // Breaker state and its per-minute metric series are the breaker grains' stored state.
        GrainState("breakers.tsv", storageTable, "breaker"),
        GrainState("sessions.tsv", storageTable, "session"),
        new("schema_versions.tsv", "sonia.schema_versions", "scriptname", JournalColumns, "scriptname"),
    ];

    private static BackupTable GrainState(string artifact, string storageTable, string stateName) => new(
        artifact, storageTable, "grainidn0", GrainStateColumns, "grainidn0, grainidn1, grainidextensionstring",
        $"serviceid = @service_id AND graintypestring = '{stateName}'");
}

/// <summary>The two tables a backup's DLQ restore and test restore bring back, as one format wrote them.</summary>
public sealed record RestoredTables(BackupTable Actions, BackupTable DeadLetters)
{
    public IReadOnlyList<BackupTable> All => [Actions, DeadLetters];

    public bool Restores(string artifact) => artifact == Actions.Artifact || artifact == DeadLetters.Artifact;
}
