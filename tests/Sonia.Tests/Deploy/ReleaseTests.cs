using System.Security.Cryptography;
using System.Text.Json;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Deploy;

/// <summary>deploy/release.sh and deploy/rollback.sh on a temporary release root.</summary>
[Collection(ProcessCollection.Name)]
public sealed class ReleaseTests : IDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(8);
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"sonia-release-{Guid.NewGuid():N}");
    private readonly string _build = Path.Combine(Path.GetTempPath(), $"sonia-build-{Guid.NewGuid():N}");

    [Fact]
    public async Task Release_RealPublish_WritesBothServicesAndReleaseJson_AndRefusesToOverwrite()
    {
        // The one test that runs `dotnet publish` for real; the others copy a build (--from) to stay fast.
        await Script("release.sh", "--root", _root, "--version", "p1");

        var release = Path.Combine(_root, "releases", "p1");
        Assert.True(File.Exists(Path.Combine(release, "silo", "Sonia.Silo.dll")));
        Assert.True(File.Exists(Path.Combine(release, "gateway", "Sonia.Gateway.dll")));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(release, "release.json")));
        var highest = HighestMigration();
        Assert.Equal(highest, json.RootElement.GetProperty("migration").GetInt32());
        Assert.Equal(highest, json.RootElement.GetProperty("min_compatible_migration").GetInt32());
        Assert.Equal(highest, json.RootElement.GetProperty("migrations").GetArrayLength());
        Assert.Equal(await Commit(), json.RootElement.GetProperty("commit").GetString());
        Assert.Equal("releases/p1", new FileInfo(Path.Combine(_root, "current")).LinkTarget);

        var (code, output) = await Run("release.sh", "--root", _root, "--version", "p1", "--from", release);
        Assert.NotEqual(0, code);
        Assert.Contains("already exists", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_AfterTwoReleases_SwitchesCurrentBackToTheFirst_AndThenHasNothingOlder()
    {
        await TwoReleases();

        await Script("rollback.sh", "--root", _root);

        Assert.Equal("releases/r1", new FileInfo(Path.Combine(_root, "current")).LinkTarget);
        var (code, output) = await Run("rollback.sh", "--root", _root);
        Assert.NotEqual(0, code);
        Assert.Contains("nothing to roll back to", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_DryRun_PrintsEveryStep_AndLeavesTheRootByteForByte()
    {
        await TwoReleases();
        Directory.CreateDirectory(Path.Combine(_root, "run"));
        await File.WriteAllTextAsync(Path.Combine(_root, "run", "silo.pid"), "999999999\n");
        var before = Snapshot(_root);

        var output = await Script("rollback.sh", "--root", _root, "--dry-run");

        Assert.Contains("[dry-run] would switch", output, StringComparison.Ordinal);
        Assert.Contains("[dry-run] would stop silo", output, StringComparison.Ordinal);
        Assert.Contains("[dry-run] would start silo", output, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(_root));
    }

    [Fact]
    public async Task Rollback_SchemaNewerThanEveryRelease_IsRefusedAndSaysWhy_AndChangesNothing()
    {
        await TwoReleases();
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("rollback");
        var future = HighestMigration() + 1;
        await TestSql.ScalarAsync(database,
            "INSERT INTO sonia.schema_versions (scriptname, applied) VALUES (@name, now())",
            ("name", $"Sonia.Sql.postgresql.{future:D4}_future.sql"));
        var before = Snapshot(_root);

        var (code, output) = await Run("rollback.sh", "--root", _root, "--connection", database.ConnectionString);

        Assert.NotEqual(0, code);
        Assert.Contains($"refused: the database is at migration {future:D4}", output, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(_root));
    }

    [Fact]
    public async Task Rollback_SchemaTheTargetKnows_PassesTheCheck()
    {
        await TwoReleases();
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("rollback");

        var output = await Script("rollback.sh", "--root", _root, "--connection", database.ConnectionString);

        Assert.Contains("schema check passed", output, StringComparison.Ordinal);
        Assert.Equal("releases/r1", new FileInfo(Path.Combine(_root, "current")).LinkTarget);
    }

    [Fact]
    public async Task Rollback_TargetOlderThanTheSchemaSupports_IsRefused()
    {
        await TwoReleases();
        // r1 stands for a release built before the newest migration: the schema's release (r2) no longer runs it.
        var r1 = Path.Combine(_root, "releases", "r1", "release.json");
        await File.WriteAllTextAsync(r1, (await File.ReadAllTextAsync(r1))
            .Replace($"\"migration\": {HighestMigration()}", $"\"migration\": {HighestMigration() - 1}", StringComparison.Ordinal));
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("rollback");

        var (code, output) = await Run("rollback.sh", "--root", _root, "--connection", database.ConnectionString);

        Assert.NotEqual(0, code);
        Assert.Contains("which runs only releases that know migration", output, StringComparison.Ordinal);
        Assert.Equal("releases/r2", new FileInfo(Path.Combine(_root, "current")).LinkTarget);
    }

    [Fact]
    public async Task Rollback_WithARecordedProcess_StopsIt_AndStartsTheTargetReleasesService()
    {
        await TwoReleases();
        // A stand-in for a running silo: its command line names a Sonia assembly, as pid_is_sonia requires.
        using var old = System.Diagnostics.Process.Start("bash", ["-c", "exec -a Sonia.Silo.StandIn sleep 300"]);
        var run = Path.Combine(_root, "run");
        Directory.CreateDirectory(run);
        await File.WriteAllTextAsync(Path.Combine(run, "silo.pid"), $"{old.Id}\n");
        await File.WriteAllTextAsync(Path.Combine(run, "silo.args"), "--no-such-option\n");
        int? started = null;
        try
        {
            var output = await Script("rollback.sh", "--root", _root);

            Assert.True(old.WaitForExit(TimeSpan.FromSeconds(10)), "the recorded process was not stopped");
            started = int.Parse((await File.ReadAllTextAsync(Path.Combine(run, "silo.pid"))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.NotEqual(old.Id, started);
            Assert.Contains($"start silo: dotnet {Path.Combine(_root, "current", "silo", "Sonia.Silo.dll")}", output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(run, "silo.out")), "the started silo's output file is missing");
        }
        finally
        {
            if (!old.HasExited)
            {
                old.Kill();
            }

            if (started is { } pid)
            {
                try
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
                }
                catch (ArgumentException)
                {
                    // Already gone: a silo without a database configured exits on its own.
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var dir in new[] { _root, _build })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>r1 then r2 from the test run's own build output; r2 says r1's schema level is still supported.</summary>
    private async Task TwoReleases()
    {
        Directory.CreateDirectory(_build);
        Assert.Equal(0, (await Shell.RunAsync("cp", ["-a", Path.GetDirectoryName(Repo.SiloDll)!, Path.Combine(_build, "silo")])).ExitCode);
        Assert.Equal(0, (await Shell.RunAsync("cp", ["-a", Path.GetDirectoryName(Repo.GatewayDll)!, Path.Combine(_build, "gateway")])).ExitCode);
        await Script("release.sh", "--root", _root, "--version", "r1", "--from", _build);
        await Script("release.sh", "--root", _root, "--version", "r2", "--from", _build);
        Assert.Equal("releases/r2", new FileInfo(Path.Combine(_root, "current")).LinkTarget);
    }

    /// <summary>Every entry under a folder: its kind, its link target or the hash of its bytes.</summary>
    private static string Snapshot(string root) => string.Join('\n',
        Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Order(StringComparer.Ordinal)
            .Select(path =>
            {
                var info = new FileInfo(path);
                var what = info.LinkTarget is { } link ? $"link {link}"
                    : Directory.Exists(path) ? "dir"
                    : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
                return $"{Path.GetRelativePath(root, path)} {what}";
            }));

    private static int HighestMigration() =>
        Directory.GetFiles(Repo.SqlFolder("postgresql"), "*.sql").Select(f => int.Parse(Path.GetFileName(f)[..4], System.Globalization.CultureInfo.InvariantCulture)).Max();

    private static async Task<string> Commit() =>
        (await Shell.RunAsync("git", ["-C", Repo.Root, "rev-parse", "HEAD"])).Output.Trim();

    private static async Task<string> Script(string script, params string[] args)
    {
        var (code, output) = await Run(script, args);
        Assert.True(code == 0, $"{script} exited {code}:\n{output}");
        return output;
    }

    private static Task<(int ExitCode, string Output)> Run(string script, params string[] args) =>
        Shell.RunAsync("bash", [Path.Combine(Repo.Root, "deploy", script), .. args], ScriptTimeout, workingDirectory: Repo.Root);
}
