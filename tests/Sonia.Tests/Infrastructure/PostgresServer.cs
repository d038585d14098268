using Npgsql;
using Sonia.Hosting.Database;
using Sonia.Silo.Database;

namespace Sonia.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL server for the whole test run (initdb into a temp folder, a free loopback port,
/// removed when the run ends), or the server named by <c>SONIA_TEST_POSTGRES</c>. Tests never share a
/// database: each fixture asks for its own.
/// </summary>
public sealed partial class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);

    private readonly string? _serverOptions;

    private readonly FileStream? _folderLock;

    private PostgresServer(
        string adminConnectionString,
        string? dataDirectory,
        string? binDirectory,
        string? serverOptions = null,
        FileStream? folderLock = null)
    {
        _folderLock = folderLock;
        AdminConnectionString = adminConnectionString;
        DataDirectory = dataDirectory;
        BinDirectory = binDirectory;
        _serverOptions = serverOptions;
    }

    public string AdminConnectionString { get; }

    /// <summary>The folder of the server this run started, or null when it uses an external one.</summary>
    public string? DataDirectory { get; }

    public string? BinDirectory { get; }

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>
    /// A server of its own, for a test that stops and starts it (never the shared one, which every other test uses).
    /// Needs local binaries even when <c>SONIA_TEST_POSTGRES</c> names an external server.
    /// </summary>
    public static Task<PostgresServer> StartDedicatedAsync() => StartLocalAsync();

    /// <summary>Stops a server this run started, as a crash would (immediate mode: no checkpoint, connections cut).</summary>
    public async Task StopImmediatelyAsync()
    {
        await Check(Shell.RunAsPostgresAsync(Path.Combine(Local().Bin, "pg_ctl"), "-D", Local().Dir, "-m", "immediate", "-w", "stop"));
        IsStopped = true;
    }

    /// <summary>True between <see cref="StopImmediatelyAsync"/> and <see cref="RestartAsync"/>.</summary>
    public bool IsStopped { get; private set; }

    /// <summary>Starts again a server that <see cref="StopImmediatelyAsync"/> stopped, on the same port.</summary>
    public async Task RestartAsync()
    {
        await Check(StartServerAsync(Local().Bin, Local().Dir, _serverOptions!));
        IsStopped = false;
    }

    /// <summary>
    /// The GLIBC_TUNABLES a server starts with, as deploy/lib/common.sh's <c>pg_server_tunables</c> gives them to
    /// <c>deploy/up.sh</c>'s: malloc backs large allocations with transparent huge pages (a backup's verification builds each
    /// artifact whole in a backend for <c>sha256()</c>). The caller's own tunables are kept, and
    /// <c>SONIA_PG_MALLOC_HUGETLB=0</c> leaves the huge pages out, as it does for the scripts.
    /// </summary>
    internal static string ServerTunables
    {
        get
        {
            var own = Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? string.Empty;
            return Environment.GetEnvironmentVariable("SONIA_PG_MALLOC_HUGETLB") == "0" ? own
                : (own.Length > 0 ? own + ":" : string.Empty) + "glibc.malloc.hugetlb=1";
        }
    }

    private static Task<(int ExitCode, string Output)> StartServerAsync(string bin, string dir, string serverOptions) =>
        Shell.RunAsPostgresAsync("env", $"GLIBC_TUNABLES={ServerTunables}", Path.Combine(bin, "pg_ctl"), "-D", dir,
            "-l", Path.Combine(dir, "server.log"), "-w", "-t", "60", "-o", serverOptions, "start");

    private (string Bin, string Dir) Local() => BinDirectory is { } bin && DataDirectory is { } dir && _serverOptions is not null
        ? (bin, dir)
        : throw new InvalidOperationException("only a server this test run started can be stopped and started");

    /// <summary>A new empty database; <paramref name="migrate"/> applies Sonia's migrations to it.</summary>
    public async Task<DatabaseOptions> CreateDatabaseAsync(string purpose, bool migrate = true)
    {
        var name = $"{purpose}_{Guid.NewGuid():N}"[..Math.Min(purpose.Length + 33, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name };
        var options = new DatabaseOptions { Provider = DatabaseProvider.PostgreSql, ConnectionString = builder.ConnectionString };
        if (migrate)
        {
            new SchemaMigrator(options).Migrate();
        }

        return options;
    }

    private static async Task<PostgresServer> StartSharedAsync() =>
        Environment.GetEnvironmentVariable("SONIA_TEST_POSTGRES") is { Length: > 0 } external
            ? new PostgresServer(external, null, null)
            : await StartLocalAsync();

    /// <summary>
    /// Starts a server in <c>&lt;root&gt;/sonia-test-pg-&lt;id&gt;</c>. The root is <c>SONIA_TEST_ROOT</c> (deploy/test.sh gives
    /// each run its own, and stops what a crashed run left there) or the temp folder. This process holds
    /// <c>&lt;folder&gt;.lock</c> for as long as it lives, so that a later run can tell a server whose run died from one in use.
    /// </summary>
    internal static async Task<PostgresServer> StartLocalAsync(string? root = null)
    {
        var bin = FindBinaries();
        root = Path.GetFullPath(root ?? Root).TrimEnd(Path.DirectorySeparatorChar);
        Directory.CreateDirectory(root);
        await StopAbandonedOnceAsync(root, bin);
        var dir = Path.Combine(root, $"{FolderPrefix}{Guid.NewGuid():N}");
        // The lock first, the folder second: a folder whose lock is free is never one still being set up.
        var folderLock = new FileStream(dir + ".lock", FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        lock (HeldLocks)
        {
            HeldLocks.Add(folderLock);
        }

        Directory.CreateDirectory(dir);
        if (Shell.IsRoot)
        {
            await Check(Shell.RunAsync("chown", ["postgres:postgres", dir]));
        }

        await Check(Shell.RunAsPostgresAsync(Path.Combine(bin, "initdb"), "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"));
        var port = Shell.FreeTcpPort();
        var serverOptions = $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400";
        await Check(StartServerAsync(bin, dir, serverOptions));

        // The server outlives no test run: stop it and remove its folder when the test process exits. A crash or a kill
        // skips this; the next run in the same root, and deploy/test.sh's own cleanup, stop it then.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveAsync(bin, dir, onlyItsOwnPostmaster: false).GetAwaiter().GetResult();

        var admin = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20";
        return new PostgresServer(admin, dir, bin, serverOptions, folderLock);
    }

    internal static string FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("SONIA_PG_BIN") is { Length: > 0 } configured && File.Exists(Path.Combine(configured, "initdb")))
        {
            return configured;
        }

        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return found ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found: install Debian's postgresql package, set SONIA_PG_BIN, or point SONIA_TEST_POSTGRES at a server (deploy/test.sh does the first for you).");
    }

    private static async Task Check(Task<(int ExitCode, string Output)> run)
    {
        var (code, output) = await run;
        if (code != 0)
        {
            throw new InvalidOperationException($"PostgreSQL setup step failed ({code}): {output}");
        }
    }
}
