using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Configuration;
using Sonia.Grains.Backups;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Hosting.Database;
using Sonia.Tests.DeadLetters;
using Sonia.Tests.Infrastructure;

namespace Sonia.Benchmarks.Backups;

/// <summary>One run's figures; <see cref="Ratio"/> is (backup + verify) ÷ the mean of the two baseline runs.</summary>
public sealed record BackupBenchmarkResult(
    int Rows,
    TimeSpan Seeding,
    TimeSpan CopyBefore,
    TimeSpan CopyAfter,
    TimeSpan Backup,
    TimeSpan Verify,
    IReadOnlyList<(string Phase, TimeSpan Elapsed)> BackupPhases,
    IReadOnlyList<(string Phase, TimeSpan Elapsed)> VerifyPhases,
    BackupVerification Verification,
    IReadOnlyList<BackupArtifact> Artifacts,
    IReadOnlyDictionary<string, string> CanonicalCopyDigests,
    IReadOnlyList<(string Phase, CpuWindow? Cpu)> Cores,
    RestoreFigures Restore)
{
    public TimeSpan Baseline => (CopyBefore + CopyAfter) / 2;

    public double Ratio => (Backup + Verify) / Baseline;
}

/// <summary>
/// The DLQ restore over the same backup, not part of the ratio: a dry run while every record is there (all identical), then a
/// real restore after a tenth of the dead letters and their actions were deleted.
/// </summary>
public sealed record RestoreFigures(TimeSpan DryRun, DlqRestoreResult DryRunResult, int Deleted, TimeSpan Restore,
    DlqRestoreResult RestoreResult, DlqRestoreResult Again, IReadOnlyList<(string Phase, CpuWindow? Cpu)> Cores);

/// <summary>
/// The benchmark: backup plus verification of N dead letters (and their N actions) against, in the same run on the
/// same database, <c>psql -c "COPY (SELECT …) TO STDOUT" | sha256sum</c> of the same rows (both tables, in key order), run
/// once before and once after. The backup and the verification are the job's and the grain's own code
/// (<see cref="BackupWriter"/>, <see cref="BackupVerifier"/>) with a <see cref="BackupProfile"/> timing each phase. It
/// also checks that the canonical COPY of each table prints exactly the bytes the backup stored (same SHA-256).
/// </summary>
public static class BackupBenchmark
{
    /// <summary>The tables of the baseline: the two a DLQ restore brings back.</summary>
    private static readonly BackupTable[] Tables = [BackupTables.DeadLetterTable, BackupTables.ActionTable];

    /// <summary><paramref name="created"/> without a statement timeout: a large table's COPY may take minutes on a busy machine.</summary>
    public static DatabaseOptions Untimed(DatabaseOptions created) => new()
    {
        Provider = created.Provider,
        ConnectionString = new NpgsqlConnectionStringBuilder(created.ConnectionString) { CommandTimeout = 0 }.ConnectionString,
    };

    /// <summary>The baseline alone: <c>psql … | sha256sum</c> of both tables, one after the other.</summary>
    public static async Task<TimeSpan> BaselineAsync(DatabaseOptions database) =>
        (await CopyAsync(Untimed(database), Tables.Select(t => t.Select()))).Elapsed;

    public static async Task<BackupBenchmarkResult> RunAsync(DatabaseOptions created, int rows, Action<string> log)
    {
        var database = Untimed(created);
        var timeout = TimeSpan.FromHours(1);
        var seeding = Stopwatch.StartNew();
        await new DeadLetterSeed(database, "bench", rows, DateTimeOffset.UtcNow.AddDays(-1)).InsertAsync();
        await TestSql.ScalarAsync(database, "VACUUM ANALYZE");
        seeding.Stop();
        log($"seeded {rows:N0} dead letters and {rows:N0} actions in {seeding.Elapsed.TotalSeconds:F1} s");

        var cores = new List<(string, CpuWindow?)>();
        var (copyBefore, _, copyBeforeCpu) = await CpuWindow.MeasureAsync(() => CopyAsync(database, Tables.Select(t => t.Select())));
        cores.Add(("baseline (before)", copyBeforeCpu));
        log($"baseline COPY | sha256sum (before): {copyBefore.Elapsed.TotalSeconds:F2} s");

        var writer = new BackupWriter(database, Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ServiceId = "bench" }),
            new ConfigArtifacts(new ConfigurationBuilder().Build(), new BackupOptions()), TimeProvider.System, timeout);
        var backupId = BackupIds.New();
        var backupProfile = new BackupProfile();
        var (artifacts, backup, backupCpu) = await CpuWindow.MeasureAsync(() => writer.WriteAsync(
            new BackupRequest(backupId, "bench", "bench", null, DateTimeOffset.UtcNow), null, CancellationToken.None, backupProfile));
        cores.Add(("backup", backupCpu));
        log($"backup: {backup.TotalSeconds:F2} s");

        var verifyProfile = new BackupProfile();
        var (verification, verify, verifyCpu) = await CpuWindow.MeasureAsync(() => new BackupVerifier(
            new BackupStore(database, timeout), TimeProvider.System).VerifyAsync(backupId, CancellationToken.None, verifyProfile));
        cores.Add(("verify", verifyCpu));
        log($"verify: {verify.TotalSeconds:F2} s, passed: {verification!.Passed}");

        var (copyAfter, _, copyAfterCpu) = await CpuWindow.MeasureAsync(() => CopyAsync(database, Tables.Select(t => t.Select())));
        cores.Add(("baseline (after)", copyAfterCpu));
        log($"baseline COPY | sha256sum (after): {copyAfter.Elapsed.TotalSeconds:F2} s");

        // Not timed: the database's own canonical COPY of each table, whose digest must be the artifact's.
        var canonical = new Dictionary<string, string>();
        foreach (var table in Tables)
        {
            canonical[table.Artifact] = (await CopyAsync(database, [PostgreSqlBackupSql.CanonicalSelect(table)])).Digests[0];
        }

        var restore = await RestoreAsync(database, backupId, rows / 10, timeout, log);
        return new BackupBenchmarkResult(rows, seeding.Elapsed, copyBefore.Elapsed, copyAfter.Elapsed, backup, verify,
            backupProfile.Phases, verifyProfile.Phases, verification, artifacts, canonical, cores, restore);
    }

    /// <summary>
    /// Times a dry run with every record present, deletes <paramref name="lost"/> dead letters (every tenth) with their actions,
    /// times the real restore that brings them back, then restores once more (which must insert nothing).
    /// </summary>
    private static async Task<RestoreFigures> RestoreAsync(DatabaseOptions database, string backupId, int lost, TimeSpan timeout,
        Action<string> log)
    {
        var restorer = new DlqRestorer(new BackupStore(database, timeout));
        var (dry, dryRun, dryCpu) = await CpuWindow.MeasureAsync(() => restorer.RestoreAsync(backupId, dryRun: true));
        log($"restore dry run, every record present: {dryRun.TotalSeconds:F2} s, {dryCpu}");

        var deleted = (int)await TestSql.CountAsync(database, """
            WITH lost AS (SELECT dlq_id FROM (SELECT dlq_id, row_number() OVER (ORDER BY dlq_id) AS n FROM sonia.dead_letters) r
                          WHERE n % 10 = 0 LIMIT @lost),
                 gone AS (DELETE FROM sonia.dead_letters d USING lost WHERE d.dlq_id = lost.dlq_id RETURNING d.action_id),
                 actions AS (DELETE FROM sonia.actions a USING gone WHERE a.action_id = gone.action_id RETURNING 1)
            SELECT COUNT(*) FROM actions
            """, ("lost", lost));
        var (restored, restore, restoreCpu) = await CpuWindow.MeasureAsync(() => restorer.RestoreAsync(backupId, dryRun: false));
        log($"restore of {deleted:N0} deleted dead letters and their actions: {restore.TotalSeconds:F2} s, {restoreCpu}");
        var again = await restorer.RestoreAsync(backupId, dryRun: false);
        return new RestoreFigures(dryRun, dry, deleted, restore, restored, again, [("restore dry run", dryCpu), ("restore", restoreCpu)]);
    }

    /// <summary>Each query through <c>psql -c "COPY (…) TO STDOUT" | sha256sum</c>, one after the other; their digests.</summary>
    private static async Task<(TimeSpan Elapsed, List<string> Digests)> CopyAsync(DatabaseOptions database, IEnumerable<string> queries)
    {
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var psql = Path.Combine(Environment.GetEnvironmentVariable("SONIA_PG_BIN") ?? "/usr/lib/postgresql/15/bin", "psql");
        var digests = new List<string>();
        var watch = Stopwatch.StartNew();
        foreach (var query in queries)
        {
            // SET first, as the backup does: times print in UTC and ISO style.
            var (exit, text) = await Shell.RunAsync("bash", ["-c",
                $"set -o pipefail; '{psql}' -X -q -h {builder.Host} -p {builder.Port} -U {builder.Username} -d {builder.Database} " +
                $"-c \"SET TimeZone = 'UTC'\" -c \"SET DateStyle = 'ISO, YMD'\" " +
                $"-c \"COPY ({query.Replace("\"", "\\\"", StringComparison.Ordinal)}) TO STDOUT\" | sha256sum"],
                TimeSpan.FromMinutes(30));
            if (exit != 0)
            {
                throw new InvalidOperationException($"COPY | sha256sum failed ({exit}): {text}");
            }

            digests.Add(text.Split(' ')[0]);
        }

        return (watch.Elapsed, digests);
    }
}
