namespace Sonia.Tests.Infrastructure;

/// <summary>
/// Servers whose test run died (a crashed or killed test host never runs its ProcessExit handlers): found by their free
/// lock file, stopped and removed by the next run that starts a server in the same root.
/// </summary>
public sealed partial class PostgresServer
{
    private const string FolderPrefix = "sonia-test-pg-";

    /// <summary>The lock of every server this process started; kept referenced, so that no finalizer releases one early.</summary>
    private static readonly List<FileStream> HeldLocks = [];

    private static readonly HashSet<string> SweptRoots = [];

    private static string Root => Environment.GetEnvironmentVariable("SONIA_TEST_ROOT") is { Length: > 0 } root ? root : Path.GetTempPath();

    /// <summary>Releases this server's lock, leaving the server running, as the death of the test host would.</summary>
    internal void AbandonAsIfCrashed()
    {
        var folderLock = _folderLock ?? throw new InvalidOperationException("only a server this test run started has a lock");
        lock (HeldLocks)
        {
            HeldLocks.Remove(folderLock);
        }

        folderLock.Dispose();
    }

    /// <summary>
    /// Stops and removes every <c>sonia-test-pg-*</c> folder directly under <paramref name="root"/> whose lock file no
    /// process holds. A folder without a lock file (a run of older code, or not ours) and one whose lock is held (a live
    /// run, this one included) are left alone; so is any process that is not the folder's own postmaster.
    /// </summary>
    internal static async Task<int> StopAbandonedAsync(string root, string bin)
    {
        // Without file locking (the runtime can be told to skip it) a live run's lock would look free: never sweep then.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING") is "1" or "true"
            || (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out var disabled) && disabled))
        {
            return 0;
        }

        var removed = 0;
        foreach (var dir in Directory.GetDirectories(root, FolderPrefix + "*"))
        {
            FileStream held;
            try
            {
                held = new FileStream(dir + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            await using (held)
            {
                await RemoveAsync(bin, dir, onlyItsOwnPostmaster: true);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>The postmaster's PID from <c>postmaster.pid</c>, if that process is alive and serves this folder.</summary>
    internal static int? RunningPostmaster(string dir)
    {
        var pidFile = Path.Combine(dir, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
        {
            return null;
        }

        try
        {
            // A PID reused by another process since the server died is not ours to stop: its command line would not
            // name this folder (pg_ctl starts the postmaster with -D <folder>).
            var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return args.Contains(dir, StringComparer.Ordinal) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>GLIBC_TUNABLES in the environment of the postmaster serving <paramref name="dir"/> (see <see cref="ServerTunables"/>).</summary>
    internal static string PostmasterTunables(string dir)
    {
        var pid = RunningPostmaster(dir) ?? throw new InvalidOperationException($"no postmaster serves {dir}");
        return File.ReadAllText($"/proc/{pid}/environ").Split('\0')
            .FirstOrDefault(v => v.StartsWith("GLIBC_TUNABLES=", StringComparison.Ordinal)) ?? "(not set)";
    }

    private static async Task StopAbandonedOnceAsync(string root, string bin)
    {
        lock (SweptRoots)
        {
            if (!SweptRoots.Add(root))
            {
                return;
            }
        }

        await StopAbandonedAsync(root, bin);
    }

    /// <summary>
    /// Stops the folder's server (immediate: its data is deleted next), then deletes the folder and its lock. With
    /// <paramref name="onlyItsOwnPostmaster"/>, pg_ctl runs only when <c>postmaster.pid</c> names a live postmaster of
    /// this folder, since pg_ctl itself would signal whatever process has that PID now.
    /// </summary>
    private static async Task RemoveAsync(string bin, string dir, bool onlyItsOwnPostmaster)
    {
        if (!onlyItsOwnPostmaster || RunningPostmaster(dir) is not null)
        {
            await Shell.RunAsPostgresAsync(Path.Combine(bin, "pg_ctl"), "-D", dir, "-m", "immediate", "-w", "stop");
        }

        try
        {
            Directory.Delete(dir, recursive: true);
            File.Delete(dir + ".lock");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
