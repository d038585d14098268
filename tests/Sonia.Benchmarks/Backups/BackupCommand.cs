using System.Globalization;
using Sonia.Tests.Infrastructure;

namespace Sonia.Benchmarks.Backups;

/// <summary>
/// <c>backup [--rows N] [--cold] [--floor]</c>: the backup benchmark (<see cref="BackupBenchmark"/>) on a throwaway PostgreSQL of its own
/// (initdb in a temporary folder, removed at exit; or the server <c>SONIA_TEST_POSTGRES</c> names), after a warm-up run of
/// <see cref="WarmUpRows"/> rows in a database of its own. Prints the figures,
/// the per-phase profile and the machine's load; exits 1 when the verification did not pass, a digest differs or the restore did
/// not bring back exactly what was deleted.
/// </summary>
public static class BackupCommand
{
    public const string Name = "backup";

    /// <summary>The size of the warm-up run before the timed one.</summary>
    public const int WarmUpRows = 20_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = 1_000_000;
        var cold = false;
        var floor = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--cold")
            {
                cold = true;
            }
            else if (args[i] is "--floor")
            {
                floor = true;
            }
            else if (args[i] is "--rows" && i + 1 < args.Length
                && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                rows = n;
                i++;
            }
            else
            {
                await Console.Error.WriteLineAsync(
                    "Usage: Sonia.Benchmarks backup [--rows N] [--cold] [--floor]   (default 1000000; --cold: no warm-up run " +
                    "first; --floor: then each database pass alone, by its backend's CPU)");
                return 2;
            }
        }

        Console.WriteLine($"load average at start: {LoadAverage()}");
        var postgres = await PostgresServer.GetAsync();
        Console.WriteLine(postgres.DataDirectory is null
            ? "PostgreSQL: the server SONIA_TEST_POSTGRES names, with its own settings"
            : $"PostgreSQL: a throwaway server, started as deploy/up.sh starts one (GLIBC_TUNABLES={PostgresServer.ServerTunables})");
        // Warm first, as a silo that has taken a backup before is: the same run at a small size, in a database of its own, so
        // the timed run does not include compiling the code it runs (JIT: about a core-second, once per process).
        if (!cold)
        {
            var warmUpRows = Math.Min(rows, WarmUpRows);
            var warmUp = await BackupBenchmark.RunAsync(await postgres.CreateDatabaseAsync("backup_warmup"), warmUpRows, _ => { });
            Console.WriteLine($"warm-up (a process that had not run it yet), {warmUpRows:N0} rows in a database of its own: " +
                $"backup {S(warmUp.Backup)}, verify {S(warmUp.Verify)}, {warmUp.Ratio:F2}x; passed: {warmUp.Verification.Passed}");
        }
        else
        {
            Console.WriteLine("no warm-up (--cold): the timed run includes compiling the code it runs");
        }

        var database = await postgres.CreateDatabaseAsync("backup_bench");
        var result = await BackupBenchmark.RunAsync(database, rows, Console.WriteLine);
        Console.WriteLine($"load average at end: {LoadAverage()}");
        Print(result);
        if (floor && await BackupFloor.MeasureAsync(BackupBenchmark.Untimed(database), result.Verification.BackupId,
            () => BackupBenchmark.BaselineAsync(database), Console.WriteLine) is { } passes)
        {
            Print(passes);
        }

        var digestsMatch = result.CanonicalCopyDigests.All(d => result.Artifacts.Single(a => a.Name == d.Key).Sha256 == d.Value);
        var restored = result.Restore.RestoreResult.DeadLetters.Inserted == result.Restore.Deleted
            && result.Restore.Again.DeadLetters.Inserted == 0;
        return result.Verification.Passed && digestsMatch && restored ? 0 : 1;
    }

    private static void Print(BackupBenchmarkResult r)
    {
        Console.WriteLine();
        Console.WriteLine($"| N | backup | verify | backup + verify | COPY \\| sha256sum (before, after) | ratio |");
        Console.WriteLine($"| {r.Rows:N0} | {S(r.Backup)} | {S(r.Verify)} | {S(r.Backup + r.Verify)} | " +
            $"{S(r.CopyBefore)}, {S(r.CopyAfter)} | **{r.Ratio:F2}x** |");
        Console.WriteLine();
        Console.WriteLine("cores in use (PostgreSQL, psql and sha256sum are the machine's share beyond this process):");
        foreach (var (phase, cpu) in r.Cores.Concat(r.Restore.Cores))
        {
            Console.WriteLine($"  {phase}: {cpu?.ToString() ?? "unknown (no /proc/stat)"}");
        }

        Console.WriteLine("backup phases:");
        foreach (var (phase, elapsed) in r.BackupPhases)
        {
            Console.WriteLine($"  {S(elapsed),9}  {phase}");
        }

        Console.WriteLine("verify phases (the database's digests run beside the application's reads):");
        foreach (var (phase, elapsed) in r.VerifyPhases)
        {
            Console.WriteLine($"  {S(elapsed),9}  {phase}");
        }

        Console.WriteLine("artifacts:");
        foreach (var a in r.Artifacts)
        {
            var copy = !r.CanonicalCopyDigests.TryGetValue(a.Name, out var d) ? string.Empty
                : d == a.Sha256 ? "  = canonical COPY | sha256sum" : $"  != COPY {d}";
            Console.WriteLine($"  {a.Name}: {a.Rows:N0} rows, {a.Bytes:N0} bytes, sha256 {a.Sha256}{copy}");
        }

        var restore = r.Restore;
        Console.WriteLine($"DLQ restore (not in the ratio): dry run with every record present {S(restore.DryRun)} " +
            $"({restore.DryRunResult.DeadLetters.Identical:N0} dead letters identical); {restore.Deleted:N0} dead letters and their " +
            $"actions deleted, restored in {S(restore.Restore)} ({restore.RestoreResult.DeadLetters.Inserted:N0} dead letters, " +
            $"{restore.RestoreResult.Actions.Inserted:N0} actions inserted); again: {restore.Again.DeadLetters.Inserted:N0} inserted");
        Console.WriteLine($"verification passed: {r.Verification.Passed}{string.Concat(r.Verification.Problems.Select(p => "\n  " + p))}");
    }

    private static void Print(FloorResult floor)
    {
        Console.WriteLine();
        Console.WriteLine("floor: each database pass alone, by the CPU of its PostgreSQL backend (the client's not counted)");
        var artifacts = floor.Passes.Select(p => p.Artifact).Distinct().ToList();
        Console.WriteLine($"| pass | {string.Join(" | ", artifacts)} | all |");
        Console.WriteLine($"| --- |{string.Concat(artifacts.Select(_ => " ---: |"))} ---: |");
        foreach (var pass in floor.Passes.GroupBy(p => p.Pass))
        {
            var cells = artifacts.Select(a => $"{pass.Single(p => p.Artifact == a).BackendSeconds:F2} s");
            Console.WriteLine($"| {pass.Key} | {string.Join(" | ", cells)} | {pass.Sum(p => p.BackendSeconds):F2} s |");
        }

        Console.WriteLine($"| **total** |{string.Concat(artifacts.Select(_ => " |"))} **{floor.Total:F2} s** |");
        Console.WriteLine($"baseline just before and after: {S(floor.BaselineBefore)}, {S(floor.BaselineAfter)}; the passes alone on " +
            $"{floor.Cores} cores fully busy: {floor.Total / floor.Cores:F2} s, **{floor.Ratio:F2}x** the baseline");
    }

    private static string S(TimeSpan t) => $"{t.TotalSeconds:F2} s";

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
}
