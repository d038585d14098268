using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Configuration;
using Sonia.Grains.Backups;
using Sonia.Tests.DeadLetters;
using Sonia.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sonia.Tests.Backups;

/// <summary>
/// The benchmark, run on demand (<c>SONIA_BENCH_BACKUP_ROWS=1000000</c>): backup plus verification of N dead
/// letters (and their N actions) against, in the same run on the same database, <c>COPY (SELECT …) TO STDOUT | sha256sum</c>
/// of the same rows. Figures and ratio go to the test output; see tests/Sonia.Benchmarks/README.md.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class BackupBenchmarkTests(ITestOutputHelper output)
{
    private static readonly string? Rows = Environment.GetEnvironmentVariable("SONIA_BENCH_BACKUP_ROWS");

    [SkippableFact]
    public async Task BackupPlusVerify_AgainstCopyToSha256sum_SameRows()
    {
        Skip.If(string.IsNullOrEmpty(Rows), "SONIA_BENCH_BACKUP_ROWS is not set: the backup benchmark runs on demand only.");
        var count = int.Parse(Rows!, CultureInfo.InvariantCulture);
        var postgres = await PostgresServer.GetAsync();
        var created = await postgres.CreateDatabaseAsync("backup_bench");
        var database = new Sonia.Hosting.Database.DatabaseOptions
        {
            Provider = created.Provider,
            ConnectionString = new NpgsqlConnectionStringBuilder(created.ConnectionString) { CommandTimeout = 0 }.ConnectionString,
        };
        var timeout = new BackupOptions().CommandTimeout;
        var seeding = Stopwatch.StartNew();
        await new DeadLetterSeed(database, "bench", count, DateTimeOffset.UtcNow.AddDays(-1)).InsertAsync();
        await TestSql.ScalarAsync(database, "VACUUM ANALYZE");
        output.WriteLine($"seeded {count} dead letters and {count} actions in {seeding.Elapsed.TotalSeconds:F1} s");

        var copyBefore = await CopyAsync(database.ConnectionString);
        var writer = new BackupWriter(database, Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ServiceId = "bench" }),
            new ConfigArtifacts(new ConfigurationBuilder().Build(), new BackupOptions()), TimeProvider.System, timeout);
        var backupId = Sonia.Grains.Interfaces.Backups.BackupIds.New();
        var backup = Stopwatch.StartNew();
        await writer.WriteAsync(new BackupRequest(backupId, "bench", "bench", null, DateTimeOffset.UtcNow), null, CancellationToken.None);
        backup.Stop();
        var verify = Stopwatch.StartNew();
        var verification = await new BackupVerifier(new BackupStore(database, timeout), TimeProvider.System).VerifyAsync(backupId);
        verify.Stop();
        var copyAfter = await CopyAsync(database.ConnectionString);

        Assert.True(verification!.Passed, string.Join("; ", verification.Problems));
        var copy = (copyBefore + copyAfter) / 2;
        var total = backup.Elapsed + verify.Elapsed;
        output.WriteLine($"backup {backup.Elapsed.TotalSeconds:F1} s, verify {verify.Elapsed.TotalSeconds:F1} s (test restore included), " +
            $"total {total.TotalSeconds:F1} s; COPY | sha256sum {copyBefore.TotalSeconds:F1} s and {copyAfter.TotalSeconds:F1} s; " +
            $"ratio {total / copy:F2}");
    }

    /// <summary>Both tables' rows (what a DLQ restore needs), each COPYed in key order through sha256sum.</summary>
    private static async Task<TimeSpan> CopyAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var psql = Path.Combine(Environment.GetEnvironmentVariable("SONIA_PG_BIN") ?? "/usr/lib/postgresql/15/bin", "psql");
        var watch = Stopwatch.StartNew();
        foreach (var table in new[] { BackupTables.DeadLetterTable, BackupTables.ActionTable })
        {
            var copy = $"COPY ({table.Select()}) TO STDOUT";
            var (exit, text) = await Shell.RunAsync("bash", ["-c",
                $"set -o pipefail; '{psql}' -h {builder.Host} -p {builder.Port} -U {builder.Username} -d {builder.Database} -c \"{copy}\" | sha256sum"],
                TimeSpan.FromMinutes(30));
            Assert.True(exit == 0, text);
        }

        return watch.Elapsed;
    }
}
