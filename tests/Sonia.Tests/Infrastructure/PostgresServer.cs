using Npgsql;
using Sonia.Hosting.Database;
using Sonia.Silo.Database;

namespace Sonia.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL server for the whole test run (initdb into a temp folder, a free loopback port,
/// removed when the run ends), or the server named by <c>SONIA_TEST_POSTGRES</c>. Tests never share a
/// database: each fixture asks for its own.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    private PostgresServer(string adminConnectionString, string? dataDirectory, string? binDirectory)
    {
        AdminConnectionString = adminConnectionString;
        DataDirectory = dataDirectory;
        BinDirectory = binDirectory;
    }

    public string AdminConnectionString { get; }

    /// <summary>The folder of the server this run started, or null when it uses an external one.</summary>
    public string? DataDirectory { get; }

    public string? BinDirectory { get; }

    public static Task<PostgresServer> GetAsync() => Shared.Value;

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

    private static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("SONIA_TEST_POSTGRES") is { Length: > 0 } external)
        {
            return new PostgresServer(external, null, null);
        }

        var bin = FindBinaries();
        var dir = Path.Combine(Path.GetTempPath(), $"sonia-test-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        if (Shell.IsRoot)
        {
            await Check(Shell.RunAsync("chown", ["postgres:postgres", dir]));
        }

        await Check(Shell.RunAsPostgresAsync(Path.Combine(bin, "initdb"), "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"));
        var port = Shell.FreeTcpPort();
        var serverOptions = $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400";
        await Check(Shell.RunAsPostgresAsync(Path.Combine(bin, "pg_ctl"), "-D", dir, "-l", Path.Combine(dir, "server.log"), "-w", "-t", "60", "-o", serverOptions, "start"));

        // The server outlives no test run: stop it and remove its folder when the test process exits.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Shell.RunAsPostgresAsync(Path.Combine(bin, "pg_ctl"), "-D", dir, "-m", "immediate", "stop").GetAwaiter().GetResult();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        };

        var admin = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20";
        return new PostgresServer(admin, dir, bin);
    }

    private static string FindBinaries()
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
