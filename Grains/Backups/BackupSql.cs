using System.Data;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Backups;

/// <summary>
/// The backup statements, one implementation per dialect (the T-SQL ones are parsed in the tests). Digests are computed
/// by the database on the stored bytes: PostgreSQL <c>sha256(bytea)</c>; SQL Server <c>HASHBYTES('SHA2_256', …)</c>, whose
/// input is unlimited since SQL Server 2016 (8000 bytes before, which this does not support). An artifact's bytes are the
/// rows of <c>sonia.backup_chunks</c> in <c>seq</c> order (migration 0010); a backup written before that migration has
/// them in <c>backup_artifacts.content</c> instead, and is read from there.
/// </summary>
public abstract class BackupSql
{
    public static BackupSql For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => new PostgreSqlBackupSql(),
        DatabaseProvider.SqlServer => new SqlServerBackupSql(),
        _ => throw new InvalidOperationException($"Unknown database provider {provider}."),
    };

    /// <summary>Run first in the snapshot and test-restore transactions (null: nothing to set).</summary>
    public virtual string? SessionSetup => null;

    /// <summary>
    /// The database's SHA-256 of chunks [@seq_from, @seq_to) of an artifact (see <see cref="ArtifactSegment"/>); null where
    /// an artifact is stored whole.
    /// </summary>
    public virtual string? SelectDatabaseSegmentDigest => null;

    /// <summary>
    /// A <c>COPY … TO STDOUT</c> giving <paramref name="table"/>'s canonical rows from <paramref name="schema"/> (null: the live
    /// table) exactly as <see cref="CanonicalRows"/> writes them; null where the dialect has none or the read needs a parameter.
    /// </summary>
    /// <param name="ordered">False: in the table's physical order (see <see cref="ScratchSetup"/>), no sort.</param>
    public virtual string? CopyOut(BackupTable table, string? schema = null, bool ordered = true) => null;

    /// <summary>Run in the test restore's transaction after <see cref="SessionSetup"/> (null: nothing to set).</summary>
    public virtual string? ScratchSetup => null;

    /// <summary>A <c>COPY … FROM STDIN</c> loading canonical rows into <paramref name="target"/>; null: the dialect has none.</summary>
    public virtual string? CopyIn(string target, BackupTable table) => null;

    /// <summary>The most bytes one chunk row holds; null: the whole artifact is one chunk.</summary>
    public abstract int? ChunkBytes { get; }

    /// <summary>A binary <c>COPY … FROM STDIN</c> of chunk rows (backup_id, name, seq, content); null: the dialect has none.</summary>
    public virtual string? CopyChunksIn => null;

    /// <summary>Every table is read at this isolation in one transaction: one instant for all artifacts.</summary>
    public abstract IsolationLevel SnapshotIsolation { get; }

    /// <summary>The Orleans grain storage table of the dialect.</summary>
    public abstract string StorageTable { get; }

    /// <summary>The running row; a resumed job finds it there and inserts nothing.</summary>
    public string InsertRunning =>
        "INSERT INTO sonia.backups (backup_id, label, status, actor, correlation_id, created_at) " +
        "SELECT @backup_id, @label, 'running', @actor, @correlation_id, @created_at " +
        "WHERE NOT EXISTS (SELECT 1 FROM sonia.backups WHERE backup_id = @backup_id)";

    public string DeleteArtifacts => "DELETE FROM sonia.backup_artifacts WHERE backup_id = @backup_id";

    public string DeleteChunks => "DELETE FROM sonia.backup_chunks WHERE backup_id = @backup_id";

    /// <summary>An artifact's row: what it holds (its bytes are in its chunks).</summary>
    public string InsertArtifact =>
        "INSERT INTO sonia.backup_artifacts (backup_id, name, row_count, bytes, sha256) " +
        "VALUES (@backup_id, @name, @row_count, @bytes, @sha256)";

    public string InsertChunk =>
        "INSERT INTO sonia.backup_chunks (backup_id, name, seq, content) VALUES (@backup_id, @name, @seq, @content)";

    public string Succeed =>
        "UPDATE sonia.backups SET status = 'succeeded', finished_at = @finished_at, schema_version = @schema_version, " +
        "manifest = @manifest, manifest_sha256 = @manifest_sha256, error = NULL WHERE backup_id = @backup_id";

    public string Fail =>
        "UPDATE sonia.backups SET status = 'failed', finished_at = @finished_at, error = @error WHERE backup_id = @backup_id";

    private const string BackupColumns = "backup_id, label, status, actor, created_at, finished_at, schema_version, manifest_sha256, error";

    public string SelectBackup => $"SELECT {BackupColumns} FROM sonia.backups WHERE backup_id = @backup_id";

    public abstract string ListBackups { get; }

    public string SelectArtifacts =>
        "SELECT name, row_count, bytes, sha256 FROM sonia.backup_artifacts WHERE backup_id = @backup_id ORDER BY name";

    /// <summary>1 when the artifact's bytes are in its row (a backup from before migration 0010), 0 when in chunks; no row: none.</summary>
    public string SelectStorage =>
        "SELECT CASE WHEN content IS NULL THEN 0 ELSE 1 END FROM sonia.backup_artifacts WHERE backup_id = @backup_id AND name = @name";

    /// <summary>The content of an artifact stored in its row.</summary>
    public string SelectContent => "SELECT content FROM sonia.backup_artifacts WHERE backup_id = @backup_id AND name = @name";

    /// <summary>The chunks of an artifact, in order: their concatenation is its content.</summary>
    public string SelectChunks => "SELECT content FROM sonia.backup_chunks WHERE backup_id = @backup_id AND name = @name ORDER BY seq";

    /// <summary>The manifest as stored, its stored digest and the digest the database computes now.</summary>
    public abstract string SelectManifest { get; }

    /// <summary>The SHA-256 the database computes now on one artifact's stored bytes (its row's content, or its chunks).</summary>
    public abstract string SelectDatabaseDigest { get; }

    public string InsertVerification =>
        "INSERT INTO sonia.backup_verifications (backup_id, at, actor, passed, result) VALUES (@backup_id, @at, @actor, @passed, @result)";

    public string SelectVerifications =>
        "SELECT at, actor, passed, result FROM sonia.backup_verifications WHERE backup_id = @backup_id ORDER BY verification_id";

    /// <summary>Finished backups beyond the newest @keep, oldest last.</summary>
    public abstract string SelectExpired { get; }

    public string DeleteBackup => "DELETE FROM sonia.backups WHERE backup_id = @backup_id";

    /// <summary>The schema version: the last migration script the journal holds.</summary>
    public string SchemaVersion => "SELECT MAX(scriptname) FROM sonia.schema_versions";

    /// <summary>Which database this is (name, server) and the server's version.</summary>
    public abstract string SourceIdentity { get; }

    public abstract string CreateScratchSchema(string schema);

    public abstract string CreateScratchTable(string schema, BackupTable table);

    public abstract string DropScratchSchema(string schema, IEnumerable<BackupTable> tables);

    /// <summary>Current rows of <paramref name="table"/> whose key is in @keys (a JSON array), as the backup writes them.</summary>
    public abstract string SelectByKeys(BackupTable table);

    /// <summary>The keys of @keys (a JSON array) that <paramref name="table"/> holds.</summary>
    public abstract string SelectKeys(BackupTable table);

    /// <summary>
    /// Inserts <paramref name="rows"/> rows (parameters @r{row}_{column}), each unless its key or another unique value is
    /// already there; returns the key of each row it inserted.
    /// </summary>
    public abstract string InsertIfAbsent(BackupTable table, int rows);

    /// <summary>Inserts <paramref name="rows"/> rows into a scratch copy (parameters @r{row}_{column}).</summary>
    public static string InsertMany(string target, BackupTable table, int rows) =>
        $"INSERT INTO {target} ({table.ColumnList}) VALUES {Rows(table, rows)}";

    /// <summary>The rows of a multi-row VALUES: <c>(@r0_a, @r0_b), (@r1_a, @r1_b)</c>.</summary>
    protected static string Rows(BackupTable table, int rows) =>
        string.Join(", ", Enumerable.Range(0, rows).Select(r => $"({string.Join(", ", table.Columns.Select(c => $"@r{r}_{c.Name}"))})"));

    /// <summary>Rows per scratch INSERT: the dialect's parameter limit divided by the columns.</summary>
    public abstract int MaxParameters { get; }

    /// <summary>Every fixed statement, for the dialect tests.</summary>
    public IEnumerable<string> All()
    {
        var tables = BackupTables.All(StorageTable);
        return new[]
        {
            InsertRunning, DeleteArtifacts, DeleteChunks, InsertArtifact, InsertChunk, Succeed, Fail, SelectBackup, ListBackups,
            SelectArtifacts, SelectStorage, SelectContent, SelectChunks, SelectManifest, SelectDatabaseDigest,
            InsertVerification, SelectVerifications, SelectExpired, DeleteBackup, SchemaVersion,
            SourceIdentity, CreateScratchSchema("sonia_verify_x"), DropScratchSchema("sonia_verify_x", tables),
            SelectByKeys(BackupTables.DeadLetterTable), InsertIfAbsent(BackupTables.DeadLetterTable, 2),
            SelectByKeys(BackupTables.ActionTable), InsertIfAbsent(BackupTables.ActionTable, 2), SelectKeys(BackupTables.ActionTable),
            InsertMany("sonia_verify_x.actions", BackupTables.ActionTable, 2),
        }.Concat(tables.Select(t => t.Select())).Concat(tables.Select(t => CreateScratchTable("sonia_verify_x", t)))
            .Concat(new[] { SelectDatabaseSegmentDigest }.OfType<string>());
    }
}

public sealed class PostgreSqlBackupSql : BackupSql
{
    public override IsolationLevel SnapshotIsolation => IsolationLevel.RepeatableRead;

    public override string StorageTable => "public.orleansstorage";

    public override int MaxParameters => 30000;

    // A chunk always fits in its row (stored MAIN, lz4-compressed when worth it, never TOAST): a page holds ~8,160 bytes
    // of row, and the key (at most 240 bytes of backup id and name) comes first.
    public override int? ChunkBytes => 7800;

    public override string? CopyChunksIn => "COPY sonia.backup_chunks (backup_id, name, seq, content) FROM STDIN (FORMAT BINARY)";

    // Times print in UTC and ISO style (see CanonicalRows); the journal's time column has no zone: read as UTC, as the
    // application reads it.
    public override string? SessionSetup => "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'";

    public override string? CopyOut(BackupTable table, string? schema = null, bool ordered = true) =>
        table.Filter is not null ? null : $"COPY ({CanonicalSelect(table, schema, ordered)}) TO STDOUT";

    // A scratch table is filled by one COPY in key order and read back in the same transaction: with neither a
    // synchronised nor a parallel scan, a sequential scan returns it in that order, without sorting it (no index).
    public override string? ScratchSetup => "SET LOCAL synchronize_seqscans = off; SET LOCAL max_parallel_workers_per_gather = 0";

    /// <summary>The rows of <paramref name="table"/> (from <paramref name="schema"/>, null: the live one) as canonical columns.</summary>
    public static string CanonicalSelect(BackupTable table, string? schema = null, bool ordered = true) =>
        $"SELECT {string.Join(", ", table.Columns.Select(Canonical))} " +
        $"FROM {(schema is null ? table.Table : $"{schema}.{table.Unqualified}")}" +
        (ordered ? $" ORDER BY {table.OrderBy}" : string.Empty);

    // FREEZE: the scratch table was created in this transaction, so its rows are written frozen and the read-back sets no hint
    // bits and looks up no transaction status.
    public override string? CopyIn(string target, BackupTable table) => $"COPY {target} ({table.ColumnList}) FROM STDIN WITH (FREEZE)";

    /// <summary>A column as <see cref="CanonicalRows"/> writes it (text, integers, booleans and, in UTC and ISO style, times print
    /// canonically as they are; a plain timestamp is cast, read as UTC).</summary>
    private static string Canonical(BackupColumn column) => column.Kind switch
    {
        ColumnKind.Time => $"{column.Name}::timestamptz",
        ColumnKind.Bytes => $"encode({column.Name}, 'hex')",
        _ => column.Name,
    };

    public override string ListBackups =>
        "SELECT backup_id, label, status, actor, created_at, finished_at, schema_version, manifest_sha256, error " +
        "FROM sonia.backups ORDER BY created_at DESC, backup_id DESC LIMIT @limit";

    public override string SelectManifest =>
        "SELECT manifest, manifest_sha256, encode(sha256(manifest), 'hex') FROM sonia.backups WHERE backup_id = @backup_id";

    // The chunks are concatenated in the order of the sorted subquery (an index scan of the primary key): PostgreSQL 15
    // sorts the rows of an aggregate's own ORDER BY even when they come sorted, which costs more than the hash. The
    // aggregate is a lateral join, not a scalar subquery: a scalar subquery's result is copied whole once more (360 MB of
    // actions: 4.7 s against 3.0 s). One value is at most 1 GB, so an artifact over 1 GB cannot be hashed here (the
    // verification says so).
    public override string SelectDatabaseDigest =>
        "SELECT encode(sha256(COALESCE(a.content, c.content, ''::bytea)), 'hex') FROM sonia.backup_artifacts a " +
        "LEFT JOIN LATERAL (SELECT string_agg(k.content, ''::bytea) AS content FROM (SELECT k.content FROM sonia.backup_chunks k " +
        "WHERE k.backup_id = a.backup_id AND k.name = a.name ORDER BY k.seq) k) c ON true " +
        "WHERE a.backup_id = @backup_id AND a.name = @name";

    // As the whole artifact's digest above, over one segment's chunks (at most 511 MB: far below the 1 GB of one value).
    public override string? SelectDatabaseSegmentDigest =>
        "SELECT encode(sha256(COALESCE(c.content, ''::bytea)), 'hex') FROM (SELECT string_agg(k.content, ''::bytea) AS content " +
        "FROM (SELECT k.content FROM sonia.backup_chunks k WHERE k.backup_id = @backup_id AND k.name = @name " +
        "AND k.seq >= @seq_from AND k.seq < @seq_to ORDER BY k.seq) k) c";

    public override string SelectExpired =>
        "SELECT backup_id FROM sonia.backups WHERE status <> 'running' ORDER BY created_at DESC, backup_id DESC OFFSET @keep";

    public override string SourceIdentity =>
        "SELECT current_database() || '@' || COALESCE(host(inet_server_addr()), 'local socket') || ':' || " +
        "COALESCE(CAST(inet_server_port() AS text), '-'), version()";

    public override string CreateScratchSchema(string schema) => $"CREATE SCHEMA {schema}";

    // Unlogged: a scratch copy dropped in the same transaction needs no WAL.
    public override string CreateScratchTable(string schema, BackupTable table) =>
        $"CREATE UNLOGGED TABLE {schema}.{table.Unqualified} (LIKE {table.Table})";

    public override string DropScratchSchema(string schema, IEnumerable<BackupTable> tables) => $"DROP SCHEMA IF EXISTS {schema} CASCADE";

    public override string SelectByKeys(BackupTable table) => $"SELECT {table.ColumnList} {FromKeys(table)}";

    public override string SelectKeys(BackupTable table) => $"SELECT {table.Key} {FromKeys(table)}";

    /// <summary>The rows of <paramref name="table"/> whose key is in @keys, a JSON array.</summary>
    private static string FromKeys(BackupTable table) =>
        $"FROM {table.Table} WHERE {table.Key} IN (SELECT jsonb_array_elements_text(@keys::jsonb))";

    // ON CONFLICT without a target: the key or any other unique value (a dead letter's action_id) already there.
    public override string InsertIfAbsent(BackupTable table, int rows) =>
        $"INSERT INTO {table.Table} ({table.ColumnList}) VALUES {Rows(table, rows)} ON CONFLICT DO NOTHING RETURNING {table.Key}";
}

public sealed class SqlServerBackupSql : BackupSql
{
    public override IsolationLevel SnapshotIsolation => IsolationLevel.Snapshot;

    public override string StorageTable => "dbo.OrleansStorage";

    public override int MaxParameters => 2000;

    // One chunk per artifact: HASHBYTES digests that stored value itself (up to varbinary(max)'s 2 GB).
    public override int? ChunkBytes => null;

    public override string ListBackups =>
        "SELECT TOP (@limit) backup_id, label, status, actor, created_at, finished_at, schema_version, manifest_sha256, error " +
        "FROM sonia.backups ORDER BY created_at DESC, backup_id DESC";

    public override string SelectManifest =>
        "SELECT manifest, manifest_sha256, LOWER(CONVERT(char(64), HASHBYTES('SHA2_256', manifest), 2)) " +
        "FROM sonia.backups WHERE backup_id = @backup_id";

    // An artifact of more than one chunk is not what this dialect writes: no digest (NULL), so the verification fails.
    public override string SelectDatabaseDigest =>
        "SELECT CASE WHEN (SELECT COUNT(*) FROM sonia.backup_chunks k WHERE k.backup_id = a.backup_id AND k.name = a.name) > 1 " +
        "THEN NULL ELSE LOWER(CONVERT(char(64), HASHBYTES('SHA2_256', COALESCE(a.content, (SELECT k.content " +
        "FROM sonia.backup_chunks k WHERE k.backup_id = a.backup_id AND k.name = a.name AND k.seq = 0), 0x)), 2)) END " +
        "FROM sonia.backup_artifacts a WHERE a.backup_id = @backup_id AND a.name = @name";

    public override string SelectExpired =>
        "SELECT backup_id FROM sonia.backups WHERE status <> 'running' ORDER BY created_at DESC, backup_id DESC " +
        "OFFSET @keep ROWS";

    public override string SourceIdentity => "SELECT DB_NAME() + '@' + @@SERVERNAME, @@VERSION";

    public override string CreateScratchSchema(string schema) => $"CREATE SCHEMA {schema}";

    public override string CreateScratchTable(string schema, BackupTable table) =>
        $"SELECT TOP (0) {table.ColumnList} INTO {schema}.{table.Unqualified} FROM {table.Table}";

    public override string DropScratchSchema(string schema, IEnumerable<BackupTable> tables) =>
        string.Concat(tables.Select(t => $"DROP TABLE IF EXISTS {schema}.{t.Unqualified}; ")) + $"DROP SCHEMA IF EXISTS {schema};";

    public override string SelectByKeys(BackupTable table) => $"SELECT {table.ColumnList} {FromKeys(table)}";

    public override string SelectKeys(BackupTable table) => $"SELECT {table.Key} {FromKeys(table)}";

    /// <summary>The rows of <paramref name="table"/> whose key is in @keys, a JSON array.</summary>
    private static string FromKeys(BackupTable table) => $"FROM {table.Table} WHERE {table.Key} IN (SELECT value FROM OPENJSON(@keys))";

    // The range lock (UPDLOCK, HOLDLOCK) makes the check and the insert one atomic step. The check covers every unique value
    // of the table, as PostgreSQL's ON CONFLICT DO NOTHING without a target does (a test compares them with the schema's).
    public override string InsertIfAbsent(BackupTable table, int rows) =>
        $"INSERT INTO {table.Table} ({table.ColumnList}) OUTPUT inserted.{table.Key} " +
        $"SELECT {string.Join(", ", table.Columns.Select(c => "v." + c.Name))} " +
        $"FROM (VALUES {Rows(table, rows)}) AS v ({table.ColumnList}) " +
        $"WHERE NOT EXISTS (SELECT 1 FROM {table.Table} AS t WITH (UPDLOCK, HOLDLOCK) WHERE t.{table.Key} = v.{table.Key}" +
        OtherUniqueValues(table.Table) + ")";

    private static string OtherUniqueValues(string table) => table switch
    {
        "sonia.dead_letters" => " OR t.action_id = v.action_id",
        // ux_actions_idempotency_key: one original (not a replay) per key.
        "sonia.actions" => " OR (v.replay_of IS NULL AND t.replay_of IS NULL AND t.idempotency_key = v.idempotency_key)",
        _ => string.Empty,
    };
}
