using System.Diagnostics;
using Npgsql;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Deploy;

/// <summary>
/// No test run leaks a PostgreSQL server: a crashed or killed test host never runs its exit handlers, so deploy/test.sh
/// stops what is left in its run's root (lib/test_root.sh), and the next server started in a root stops the ones whose
/// run died. Neither ever signals a process that is not the folder's own postmaster, nor touches a live run's server.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class TestRootCleanupTests : IDisposable
{
    /// <summary>Short: the server's socket lives in its folder, and a Unix socket's path has at most 107 bytes.</summary>
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"st-{Guid.NewGuid():N}"[..12]);

    public void Dispose()
    {
        // The script under test is also the surest way to leave nothing behind.
        CleanupAsync().GetAwaiter().GetResult();
    }

    [Fact]
    public async Task Cleanup_StopsAServerTheTestHostLeftRunning_AndRemovesTheRoot()
    {
        var server = await PostgresServer.StartLocalAsync(_root);
        var postmaster = PostgresServer.RunningPostmaster(server.DataDirectory!);
        Assert.NotNull(postmaster);
        // The suite's servers start as deploy/up.sh's do, with malloc on transparent huge pages (the backup benchmark's too).
        Assert.Contains("glibc.malloc.hugetlb=1", PostgresServer.PostmasterTunables(server.DataDirectory!));

        var (code, output) = await CleanupAsync();

        Assert.True(code == 0, output);
        Assert.Contains("left running", output, StringComparison.Ordinal);
        await AssertGoneAsync(postmaster.Value);
        Assert.False(Directory.Exists(_root));
    }

    [Fact]
    public async Task Cleanup_NeverSignalsAnotherProcessThatHasTheRecordedPid()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "sonia-test-pg-dead")).FullName;
        using var other = Process.Start(new ProcessStartInfo("sleep", "120") { UseShellExecute = false })!;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "postmaster.pid"), $"{other.Id}\n{folder}\n");

            var (code, output) = await CleanupAsync();

            Assert.True(code == 0, output);
            Assert.False(other.HasExited, "cleanup signalled a process that was not the folder's postmaster");
            Assert.False(Directory.Exists(_root));
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public async Task StopAbandoned_StopsAServerWhoseRunDied_AndLeavesOneInUse()
    {
        var inUse = await PostgresServer.StartLocalAsync(_root);
        var abandoned = await PostgresServer.StartLocalAsync(_root);
        var abandonedPostmaster = PostgresServer.RunningPostmaster(abandoned.DataDirectory!);
        Assert.NotNull(abandonedPostmaster);
        abandoned.AbandonAsIfCrashed();

        var stopped = await PostgresServer.StopAbandonedAsync(_root, PostgresServer.FindBinaries());

        Assert.Equal(1, stopped);
        await AssertGoneAsync(abandonedPostmaster.Value);
        Assert.False(Directory.Exists(abandoned.DataDirectory));
        Assert.False(File.Exists(abandoned.DataDirectory + ".lock"));
        await using var connection = new NpgsqlConnection(inUse.AdminConnectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await select.ExecuteScalarAsync());
    }

    private Task<(int ExitCode, string Output)> CleanupAsync() => Shell.RunAsync(
        "bash",
        ["-c", "set -euo pipefail; source deploy/lib/common.sh; source deploy/lib/test_root.sh; test_root_cleanup \"$1\"",
            "cleanup", _root],
        env: new Dictionary<string, string> { ["SONIA_PG_BIN"] = PostgresServer.FindBinaries() },
        workingDirectory: Repo.Root);

    private static async Task AssertGoneAsync(int pid)
    {
        // Reparented to init when pg_ctl exited, the postmaster is reaped as soon as it exits.
        var gone = await Eventually.ResultAsync(
            () => Task.FromResult(!Directory.Exists($"/proc/{pid}")), TimeSpan.FromSeconds(30), g => g);
        Assert.True(gone);
    }
}
