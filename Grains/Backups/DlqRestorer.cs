using System.Data.Common;
using System.Text.Json;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Grains.Storage;

namespace Sonia.Grains.Backups;

/// <summary>
/// Brings back a backup's dead letters and the actions they reference. It only ever inserts what is absent: a record
/// the database holds in another version (changed since the backup, so newer) is a conflict, reported and left alone;
/// one it holds unchanged is identical. So a second run inserts nothing. A dry run reads the same and rolls back.
/// Memory: the set of referenced action ids, and one page of rows at a time.
/// </summary>
public sealed class DlqRestorer(BackupStore store)
{
    public const int PageSize = 500;
    public const int MaxConflictsListed = 100;

    private readonly SqlRunner _sql = store.Sql;

    public async Task<DlqRestoreResult> RestoreAsync(string backupId, bool dryRun, CancellationToken cancellationToken = default)
    {
        // The columns the backup's format wrote (the caller has verified it, which refuses a format not restored).
        var (manifest, _, _) = await store.ManifestAsync(backupId, cancellationToken);
        var format = BackupVerifier.Listed(manifest, []).Format;
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

        // Actions first: a dead letter's foreign key needs its action.
        var actions = await TableAsync(connection, transaction, backupId, tables.Actions,
            line => referenced.Contains(CanonicalRows.Text(line, tables.Actions.Columns, "action_id")!), conflicts, cancellationToken);
        var deadLetters = await TableAsync(connection, transaction, backupId, tables.DeadLetters, _ => true, conflicts,
            cancellationToken);
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

    private async Task<RestoreCounts> TableAsync(DbConnection connection, DbTransaction transaction, string backupId, BackupTable table,
        Func<string, bool> wanted, List<RestoreConflict> conflicts, CancellationToken cancellationToken)
    {
        var totals = new RestoreCounts(0, 0, 0);
        var page = new List<string>(PageSize);
        await foreach (var line in store.LinesAsync(backupId, table.Artifact, cancellationToken))
        {
            if (!wanted(line))
            {
                continue;
            }

            page.Add(line);
            if (page.Count == PageSize)
            {
                totals = Add(totals, await PageAsync(connection, transaction, table, page, conflicts, cancellationToken));
                page.Clear();
            }
        }

        return page.Count == 0 ? totals : Add(totals, await PageAsync(connection, transaction, table, page, conflicts, cancellationToken));
    }

    private async Task<RestoreCounts> PageAsync(DbConnection connection, DbTransaction transaction, BackupTable table, List<string> lines,
        List<RestoreConflict> conflicts, CancellationToken cancellationToken)
    {
        var keyed = lines.ToDictionary(l => CanonicalRows.Text(l, table.Columns, table.Key)!, StringComparer.Ordinal);
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = _sql.Command(connection, transaction, store.Statements.SelectByKeys(table),
            [("keys", JsonSerializer.Serialize(keyed.Keys))]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                current[reader.GetString(0)] = CanonicalRows.Line(reader, table.Columns);
            }
        }

        int inserted = 0, identical = 0, conflicting = 0;
        foreach (var (key, line) in keyed)
        {
            if (current.TryGetValue(key, out var now))
            {
                if (now == line)
                {
                    identical++;
                    continue;
                }

                conflicting++;
                var differences = string.Join(", ", CanonicalRows.Differences(now, line, table.Columns));
                conflicts.Add(new RestoreConflict(table.Unqualified, key,
                    $"the database holds a different version (differs in {differences}); kept"));
                continue;
            }

            // A dry run inserts too, inside the transaction it then rolls back, so it counts exactly what a real run would.
            await using var insert = _sql.Command(connection, transaction, store.Statements.InsertIfAbsent(table),
                CanonicalRows.Parameters(line, table.Columns));
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                inserted++;
            }
            else
            {
                conflicting++;
                conflicts.Add(new RestoreConflict(table.Unqualified, key, "another record holds one of its unique values; kept"));
            }
        }

        return new RestoreCounts(inserted, identical, conflicting);
    }

    private static RestoreCounts Add(RestoreCounts a, RestoreCounts b) =>
        new(a.Inserted + b.Inserted, a.Identical + b.Identical, a.Conflicting + b.Conflicting);
}
