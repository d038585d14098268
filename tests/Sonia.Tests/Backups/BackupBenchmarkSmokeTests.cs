using Sonia.Benchmarks.Backups;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>
/// The backup benchmark (<c>dotnet run -c Release --project tests/Sonia.Benchmarks -- backup</c>) run at 1,000 rows, so its
/// code path cannot rot: the same seed, backup, verification, baseline and digest checks as the 1,000,000-row run.
/// </summary>
public sealed class BackupBenchmarkSmokeTests
{
    [Fact]
    public async Task Benchmark_AtOneThousandRows_VerifiesAndTheDatabasesCopyPrintsTheStoredBytes()
    {
        var postgres = await PostgresServer.GetAsync();
        var database = await postgres.CreateDatabaseAsync("backup_bench");

        var result = await BackupBenchmark.RunAsync(database, 1_000, _ => { });

        Assert.True(result.Verification.Passed, string.Join("; ", result.Verification.Problems));
        foreach (var name in new[] { "dead_letters.tsv", "actions.tsv" })
        {
            var artifact = Assert.Single(result.Artifacts, a => a.Name == name);
            Assert.Equal(1_000, artifact.Rows);
            Assert.Equal(artifact.Sha256, result.CanonicalCopyDigests[name]);
        }

        Assert.True(result.Ratio > 0);
        // The restore: the dry run finds every record identical; the tenth deleted comes back, once.
        var restore = result.Restore;
        Assert.Equal((1_000, 1_000, 0, 0), (restore.DryRunResult.DeadLetters.Identical, restore.DryRunResult.Actions.Identical,
            restore.DryRunResult.DeadLetters.Inserted, restore.DryRunResult.Actions.Inserted));
        Assert.Equal(100, restore.Deleted);
        Assert.Equal((100, 100, 900), (restore.RestoreResult.DeadLetters.Inserted, restore.RestoreResult.Actions.Inserted,
            restore.RestoreResult.DeadLetters.Identical));
        Assert.Equal((0, 0), (restore.Again.DeadLetters.Inserted, restore.Again.Actions.Inserted));
        Assert.Contains(result.BackupPhases, p => p.Phase == Sonia.Grains.Backups.BackupProfile.SnapshotRead);
        Assert.Contains(result.VerifyPhases, p => p.Phase == Sonia.Grains.Backups.BackupProfile.RestoreLoad);
        Assert.Contains(result.VerifyPhases, p => p.Phase == Sonia.Grains.Backups.BackupProfile.DatabaseHash);
        // Linux: every timed phase says how many cores were busy, and this process's share is part of the machine's.
        Assert.Equal(["baseline (before)", "backup", "verify", "baseline (after)"], result.Cores.Select(c => c.Phase));
        Assert.All(result.Cores, c => Assert.True(c.Cpu is { MachineCores: >= 0, ProcessCores: >= 0 }, c.Phase));

        // The floor (--floor): each database pass alone on the same data and backup, for both tables, and nothing left behind.
        var floor = await BackupFloor.MeasureAsync(BackupBenchmark.Untimed(database), result.Verification.BackupId,
            () => BackupBenchmark.BaselineAsync(database), _ => { });
        if (floor is null && postgres.DataDirectory is null)
        {
            return; // SONIA_TEST_POSTGRES names a server elsewhere: its backends' CPU cannot be read here.
        }

        Assert.NotNull(floor);
        string[] passes = [BackupFloor.Snapshot, BackupFloor.ChunkRead, BackupFloor.DatabaseDigest, BackupFloor.Storage,
            BackupFloor.Load, BackupFloor.ReadBack];
        Assert.Equal(passes.SelectMany(p => new[] { (p, "dead_letters.tsv"), (p, "actions.tsv") }).Order(),
            floor.Passes.Select(p => (p.Pass, p.Artifact)).Order());
        Assert.All(floor.Passes, p => Assert.True(p.BackendSeconds >= 0, p.Pass));
        Assert.True(floor.BaselineBefore > TimeSpan.Zero && floor.BaselineAfter > TimeSpan.Zero);
        Assert.Equal(0L, await TestSql.CountAsync(database, "SELECT COUNT(*) FROM information_schema.schemata " +
            "WHERE schema_name LIKE 'sonia\\_floor\\_%' OR schema_name LIKE 'sonia\\_verify\\_%'"));
    }
}
