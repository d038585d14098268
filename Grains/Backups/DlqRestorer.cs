using System.Data.Common;
using System.Text.Json;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Grains.Storage;

namespace Sonia.Grains.Backups;

/// <summary>
/// Brings back a backup's dead letters and the actions they reference. It only ever inserts what is absent: a record
/// the database holds in another version (changed since the backup, so newer) is a conflict, reported and left alone;
/// one it holds unchanged is identical. So a second run inserts nothing. A dead letter whose action the database does not
/// hold afterwards (that action's own restore was a conflict) is a conflict too, kept out: it would point at nothing. A dry
/// run reads the same and rolls back.
/// Rows go a page at a time: one read of the page's keys, then its absent rows in as few multi-row inserts as the
/// dialect's parameter limit allows. Memory: the set of referenced action ids, and one page of rows at a time.
/// </summary>
public sealed class DlqRestorer(BackupStore store)
{
    public const int PageSize = 500;
    public const int MaxConflictsListed = 100;

    private readonly SqlRunner _sql = store.Sql;

    /// <summary>
    /// <paramref name="progress"/> hears (phase, tables done of the two, rows read of the table's artifact, rows it holds) after
    /// every page.
    /// </summary>
    public async Task<DlqRestoreResult> RestoreAsync(string backupId, bool dryRun, CancellationToken cancellationToken = default,
        Action<string, int, long, long>? progress = null)
    {
        // The columns the backup's format wrote (the caller has verified it, which refuses a format not restored).
        var (manifest, _, _) = await store.ManifestAsync(backupId, cancellationToken);
        var (format, listed) = BackupVerifier.Listed(manifest, []);
        var tables = BackupTables.Restored(format) ?? throw new InvalidOperationException(
            $"backup {backupId} is in format {format ?? "(none)"}, which this Sonia does not restore");
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var line in store.LinesAsync(backupId, tables.DeadLetters.Artifact, cancellationToken))
        {
            referenced.Add(CanonicalRows.Text(line, tables.DeadLetters.Columns, "action_id")!);
        }

        var conflicts = new List<RestoreConflict>();
        await using var connection = store.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var run = new Run(connection, transaction, backupId, tables, conflicts, dryRun ? " (dry run)" : string.Empty, listed, progress);

        // Actions first: a dead letter's foreign key needs its action.
        var actions = await TableAsync(run, tables.Actions, 0,
            line => referenced.Contains(CanonicalRows.Text(line, tables.Actions.Columns, "action_id")!), cancellationToken);
        var deadLetters = await TableAsync(run, tables.DeadLetters, 1, _ => true, cancellationToken);
        if (dryRun)
        {
            await transaction.RollbackAsync(cancellationToken);
        }
        else
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return new DlqRestoreResult(backupId, dryRun, deadLetters, actions, conflicts.Take(MaxConflictsListed).ToList(),
            conflicts.Count > MaxConflictsListed);
    }

    /// <summary>What every page of one restore shares.</summary>
    private sealed record Run(DbConnection Connection, DbTransaction Transaction, string BackupId, RestoredTables Tables,
        List<RestoreConflict> Conflicts, string DryRun, IReadOnlyList<BackupArtifact> Listed, Action<string, int, long, long>? Progress);

    private async Task<RestoreCounts> TableAsync(Run run, BackupTable table, int tablesDone, Func<string, bool> wanted,
        CancellationToken cancellationToken)
    {
        var phase = $"restoring {table.Unqualified.Replace('_', ' ')}{run.DryRun}";
        var total = run.Listed.FirstOrDefault(a => a.Name == table.Artifact)?.Rows ?? 0;
        long read = 0;
        run.Progress?.Invoke(phase, tablesDone, 0, total);
        var totals = new RestoreCounts(0, 0, 0);
        var page = new List<string>(PageSize);
        await foreach (var line in store.LinesAsync(run.BackupId, table.Artifact, cancellationToken))
        {
            read++;
            if (wanted(line))
            {
                page.Add(line);
            }

            if (page.Count == PageSize)
            {
                totals = Add(totals, await PageAsync(run, table, page, cancellationToken));
                page.Clear();
                run.Progress?.Invoke(phase, tablesDone, read, total);
            }
        }

        totals = page.Count == 0 ? totals : Add(totals, await PageAsync(run, table, page, cancellationToken));
        run.Progress?.Invoke(phase, tablesDone + 1, read, total);
        return totals;
    }

    private async Task<RestoreCounts> PageAsync(Run run, BackupTable table, List<string> lines, CancellationToken cancellationToken)
    {
        var keyed = lines.ToDictionary(l => CanonicalRows.Text(l, table.Columns, table.Key)!, StringComparer.Ordinal);
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = _sql.Command(run.Connection, run.Transaction, store.Statements.SelectByKeys(table),
            [("keys", JsonSerializer.Serialize(keyed.Keys))]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                current[reader.GetString(0)] = CanonicalRows.Line(reader, table.Columns);
            }
        }

        int identical = 0, conflicting = 0;
        var absent = new List<(string Key, string Line)>();
        foreach (var (key, line) in keyed)
        {
            if (!current.TryGetValue(key, out var now))
            {
                absent.Add((key, line));
            }
            else if (now == line)
            {
                identical++;
            }
            else
            {
                conflicting++;
                var differences = string.Join(", ", CanonicalRows.Differences(now, line, table.Columns));
                run.Conflicts.Add(new RestoreConflict(table.Unqualified, key,
                    $"the database holds a different version (differs in {differences}); kept"));
            }
        }

        // A dead letter needs its action: one the database does not hold (its own restore was a conflict) keeps it out.
        if (table == run.Tables.DeadLetters && absent.Count > 0)
        {
            var orphans = await WithoutTheirActionAsync(run, absent, cancellationToken);
            foreach (var (key, action) in orphans)
            {
                conflicting++;
                run.Conflicts.Add(new RestoreConflict(table.Unqualified, key,
                    $"its action {action} is not in the database and could not be restored; kept out"));
            }

            absent.RemoveAll(row => orphans.ContainsKey(row.Key));
        }

        // A dry run inserts too, inside the transaction it then rolls back, so it counts exactly what a real run would.
        var inserted = 0;
        foreach (var rows in absent.Chunk(Math.Max(1, store.Statements.MaxParameters / table.Columns.Count)))
        {
            var added = await InsertAbsentAsync(run, table, rows, cancellationToken);
            inserted += added.Count;
            foreach (var (key, _) in rows.Where(r => !added.Contains(r.Key)))
            {
                conflicting++;
                run.Conflicts.Add(new RestoreConflict(table.Unqualified, key, "another record holds one of its unique values; kept"));
            }
        }

        return new RestoreCounts(inserted, identical, conflicting);
    }

    /// <summary>
    /// The absent dead letters (key, action id) whose action the database holds neither from before nor from this restore.
    /// </summary>
    private async Task<Dictionary<string, string>> WithoutTheirActionAsync(Run run, List<(string Key, string Line)> absent,
        CancellationToken cancellationToken)
    {
        var actions = absent.ToDictionary(row => row.Key, row => CanonicalRows.Text(row.Line, run.Tables.DeadLetters.Columns, "action_id")!,
            StringComparer.Ordinal);
        var held = await KeysAsync(run, store.Statements.SelectKeys(run.Tables.Actions),
            [("keys", JsonSerializer.Serialize(actions.Values.Distinct()))], cancellationToken);
        return actions.Where(a => !held.Contains(a.Value)).ToDictionary(StringComparer.Ordinal);
    }

    /// <summary>Inserts the rows whose key and other unique values are free, in one statement; the keys it inserted.</summary>
    private Task<HashSet<string>> InsertAbsentAsync(Run run, BackupTable table, (string Key, string Line)[] rows,
        CancellationToken cancellationToken) =>
        KeysAsync(run, store.Statements.InsertIfAbsent(table, rows.Length),
            rows.SelectMany((row, r) => CanonicalRows.Parameters(row.Line, table.Columns, $"r{r}_")), cancellationToken);

    /// <summary>Runs <paramref name="sql"/> in the restore's transaction; the keys (its first column) it answers.</summary>
    private async Task<HashSet<string>> KeysAsync(Run run, string sql, IEnumerable<(string Name, object? Value)> parameters,
        CancellationToken cancellationToken)
    {
        await using var command = _sql.Command(run.Connection, run.Transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    private static RestoreCounts Add(RestoreCounts a, RestoreCounts b) =>
        new(a.Inserted + b.Inserted, a.Identical + b.Identical, a.Conflicting + b.Conflicting);
}
