using System.Text.Json.Nodes;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Npgsql;
using Sonia.Hosting.Database;
using Sonia.Silo.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Deploy;

/// <summary>
/// deploy/db-backup.sh and deploy/db-verify.sh run for real against the test PostgreSQL: each test takes a
/// whole-database backup of its own migrated database and verifies it, intact or tampered with.
/// </summary>
public sealed class DbBackupTests : IDisposable
{
    private const string ProbeTable = "public.backup_probe";

    private static readonly string[] OpsScripts = ["backup_database.sql", "verify_backup.sql", "table_checksums.sql", "compare_checksums.sql"];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"sonia-dbbackup-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task BackupThenVerify_Passes_AndRecordsEveryTable()
    {
        var (database, dump) = await BackupAsync("dbb_ok", probeRows: 500);

        var record = JsonNode.Parse(await File.ReadAllTextAsync(dump + ".tables.json"))!;
        var tables = record["tables"]!.AsArray().ToDictionary(t => (string)t!["table"]!, t => t!);
        Assert.Equal(500, (long)tables[ProbeTable]["row_count"]!);
        Assert.Equal(64, ((string)tables[ProbeTable]["sha256"]!).Length);
        Assert.Equal(await TestSql.CountAsync(database, "SELECT COUNT(*) FROM sonia.schema_versions"),
            (long)tables["sonia.schema_versions"]["row_count"]!);
        Assert.Contains("sonia.dead_letters", tables.Keys);

        var (code, output) = await RunAsync("db-verify.sh", dump, "--connection", database.ConnectionString);

        Assert.True(code == 0, output);
        Assert.Contains("PASSED", output, StringComparison.Ordinal);
        Assert.Matches(@"public\.backup_probe\s+500\s+500\s.*\sok", output);
    }

    [Fact]
    public async Task Verify_CorruptedFile_FailsClearly_EvenWhenTheRecordWasUpdatedToMatchIt()
    {
        var (database, dump) = await BackupAsync("dbb_corrupt", probeRows: 20_000);
        var bytes = await File.ReadAllBytesAsync(dump);
        for (var i = bytes.Length / 2; i < bytes.Length / 2 + 16; i++)
        {
            bytes[i] ^= 0xFF;
        }

        await File.WriteAllBytesAsync(dump, bytes);

        var (code, output) = await RunAsync("db-verify.sh", dump, "--connection", database.ConnectionString);
        Assert.NotEqual(0, code);
        Assert.Contains("FAILED", output, StringComparison.Ordinal);
        Assert.Contains("file sha256 is", output, StringComparison.Ordinal);

        // Whoever flipped the bytes may also have rewritten the recorded digest: the restore still catches it.
        var record = JsonNode.Parse(await File.ReadAllTextAsync(dump + ".tables.json"))!;
        record["dump_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        await File.WriteAllTextAsync(dump + ".tables.json", record.ToJsonString());

        (code, output) = await RunAsync("db-verify.sh", dump, "--connection", database.ConnectionString);
        Assert.NotEqual(0, code);
        Assert.DoesNotContain("file sha256 is", output, StringComparison.Ordinal);
        Assert.True(output.Contains("pg_restore failed", StringComparison.Ordinal) || output.Contains("differs", StringComparison.Ordinal), output);
        Assert.DoesNotContain("PASSED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EditedRecordedChecksumAndCount_FailsNamingEachTable()
    {
        var (database, dump) = await BackupAsync("dbb_edited", probeRows: 50);
        var record = JsonNode.Parse(await File.ReadAllTextAsync(dump + ".tables.json"))!;
        foreach (var table in record["tables"]!.AsArray())
        {
            switch ((string)table!["table"]!)
            {
                case ProbeTable:
                    table["sha256"] = new string('0', 64);
                    break;
                case "sonia.schema_versions":
                    table["row_count"] = (long)table["row_count"]! + 1;
                    break;
            }
        }

        await File.WriteAllTextAsync(dump + ".tables.json", record.ToJsonString());

        var (code, output) = await RunAsync("db-verify.sh", dump, "--connection", database.ConnectionString);

        Assert.NotEqual(0, code);
        Assert.Contains($"table {ProbeTable}: checksum differs", output, StringComparison.Ordinal);
        Assert.Contains("table sonia.schema_versions: row count differs", output, StringComparison.Ordinal);
        Assert.Contains("(2 problem(s))", output, StringComparison.Ordinal);
        Assert.DoesNotContain("table public.orleansquery:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_WithWritesRunning_RecordsTheSameInstantAsTheDump()
    {
        var database = await CreateDatabaseAsync("dbb_busy", probeRows: 10);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand($"INSERT INTO {ProbeTable} (body) VALUES (md5(random()::text))", connection);
            while (!stop.IsCancellationRequested)
            {
                await insert.ExecuteNonQueryAsync();
            }
        });
        await Eventually.ResultAsync(() => TestSql.CountAsync(database, $"SELECT COUNT(*) FROM {ProbeTable}"), TimeSpan.FromSeconds(30), n => n > 200);

        var dump = await BackupAsync(database);
        await stop.CancelAsync();
        await writer;

        var record = JsonNode.Parse(await File.ReadAllTextAsync(dump + ".tables.json"))!;
        var recorded = record["tables"]!.AsArray().Single(t => (string)t!["table"]! == ProbeTable)!["row_count"]!.GetValue<long>();
        Assert.True(recorded < await TestSql.CountAsync(database, $"SELECT COUNT(*) FROM {ProbeTable}"), "the writer stopped before the backup ended");
        var (code, output) = await RunAsync("db-verify.sh", dump, "--connection", database.ConnectionString);
        Assert.True(code == 0, output);
    }

    [Fact]
    public void SqlServerOpsScripts_ParseAsTSql_BackupAndVerifyWithChecksum_AndAreNoMigrations()
    {
        var backup = ParseOps("backup_database.sql").OfType<BackupDatabaseStatement>().Single();
        Assert.Contains(backup.Options, o => o.OptionKind == BackupOptionKind.Checksum);
        Assert.Contains(backup.Options, o => o.OptionKind == BackupOptionKind.CopyOnly);
        Assert.Equal(DeviceType.Disk, Assert.Single(backup.Devices).DeviceType);

        var verify = ParseOps("verify_backup.sql").OfType<RestoreStatement>().Single();
        Assert.Equal(RestoreStatementKind.VerifyOnly, verify.Kind);
        Assert.Contains(verify.Options, o => o.OptionKind == RestoreOptionKind.Checksum);

        // The migrator embeds deploy/sql/<dialect>/*.sql only: an ops script there would run on every silo start.
        foreach (var provider in new[] { DatabaseProvider.SqlServer, DatabaseProvider.PostgreSql })
        {
            var options = new DatabaseOptions { Provider = provider, ConnectionString = "Server=unused;Database=unused" };
            var scripts = new SchemaMigrator(options).AvailableScripts();
            Assert.NotEmpty(scripts);
            Assert.All(scripts, s => Assert.Matches(@"\.\d{4}_[a-z_]+\.sql$", s));
            Assert.DoesNotContain(scripts, s => OpsScripts.Any(o => s.EndsWith(o, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task SqlServerConnection_WithoutSqlcmd_FailsWithAClearError()
    {
        var env = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" };
        var (code, output) = await Shell.RunAsync("bash",
            [Script("db-backup.sh"), "--connection", "Data Source=db.example;Initial Catalog=sonia;User Id=sa;Password=not-printed", "--out", "/var/opt/mssql/sonia.bak"],
            TimeSpan.FromMinutes(1), env, Repo.Root);

        Assert.NotEqual(0, code);
        if (!File.Exists("/usr/bin/sqlcmd") && !Directory.Exists("/opt/mssql-tools18") && !Directory.Exists("/opt/mssql-tools"))
        {
            Assert.Contains("sqlcmd was not found", output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("not-printed", output, StringComparison.Ordinal);
    }

    private static IEnumerable<TSqlStatement> ParseOps(string file)
    {
        var script = TSqlScripts.Parse(File.ReadAllText(Path.Combine(Repo.SqlFolder("sqlserver"), "ops", file)), file);
        return script.Batches.SelectMany(b => b.Statements);
    }

    private static async Task<DatabaseOptions> CreateDatabaseAsync(string purpose, int probeRows)
    {
        var server = await PostgresServer.GetAsync();
        var database = await server.CreateDatabaseAsync(purpose);
        // A table of our own beside Sonia's (whose shapes other work changes), with types whose text depends on settings.
        await TestSql.ScalarAsync(database, $"""
            CREATE TABLE {ProbeTable} (id bigserial PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL DEFAULT now(),
                                       ratio float8 DEFAULT random(), raw bytea DEFAULT decode(md5(random()::text), 'hex'));
            INSERT INTO {ProbeTable} (body) SELECT md5(g::text || random()::text) || md5(random()::text) FROM generate_series(1, {probeRows}) g;
            """);
        return database;
    }

    private async Task<(DatabaseOptions Database, string Dump)> BackupAsync(string purpose, int probeRows)
    {
        var database = await CreateDatabaseAsync(purpose, probeRows);
        return (database, await BackupAsync(database));
    }

    private async Task<string> BackupAsync(DatabaseOptions database)
    {
        var dump = Path.Combine(_folder, $"{Guid.NewGuid():N}.dump");
        var (code, output) = await RunAsync("db-backup.sh", "--out", dump, "--connection", database.ConnectionString);
        Assert.True(code == 0, output);
        Assert.Equal(dump, output.TrimEnd().Split('\n')[^1]);
        return dump;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string script, params string[] args)
    {
        var server = await PostgresServer.GetAsync();
        var env = new Dictionary<string, string>();
        if (server.BinDirectory is { } bin)
        {
            env["SONIA_PG_BIN"] = bin;
        }

        return await Shell.RunAsync("bash", [Script(script), .. args], TimeSpan.FromMinutes(3), env, Repo.Root);
    }

    private static string Script(string name) => Path.Combine(Repo.Root, "deploy", name);
}
