using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Cluster;

/// <summary>A silo that cannot run says why in one line and exits, instead of a wall of stack trace.</summary>
[Collection(ProcessCollection.Name)]
public sealed class StartupFailureTests
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task UnreachableDatabase_StopsStartupWithOneClearLine_AndNoPassword()
    {
        var port = Shell.FreeTcpPort();
        var env = SiloEnvironment($"Host=127.0.0.1;Port={port};Username=sonia;Password=hunter2-secret;Database=sonia;Timeout=3");

        await using var silo = SoniaProcess.Start("silo", Repo.SiloDll, env);
        var code = await silo.WaitForExitAsync(ExitWithin);

        Assert.Equal(2, code);
        var line = Assert.Single(silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"sonia-silo: cannot use PostgreSQL at 127.0.0.1:{port}", line);
        Assert.Contains("Sonia__Database__ConnectionString", line);
        Assert.DoesNotContain("hunter2", silo.Output);
    }

    [Fact]
    public async Task MissingSchema_StopsStartupAndSaysHowToMigrate()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("noschema", migrate: false);

        await using var silo = SoniaProcess.Start("silo", Repo.SiloDll, SiloEnvironment(database.ConnectionString));
        var code = await silo.WaitForExitAsync(ExitWithin);

        Assert.Equal(2, code);
        var line = Assert.Single(silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("schema", line);
        Assert.Contains("migrate", line);
    }

    [Fact]
    public async Task InvalidOption_StopsStartupNamingTheSetting()
    {
        var env = SiloEnvironment("Host=127.0.0.1;Database=sonia");
        env["Sonia__Cluster__SiloPort"] = "70000";

        await using var silo = SoniaProcess.Start("silo", Repo.SiloDll, env);
        var code = await silo.WaitForExitAsync(ExitWithin);

        Assert.Equal(2, code);
        Assert.Contains("SiloPort", silo.Output);
    }

    [Theory]
    [InlineData("Sonia__Breakers__Defaults__FailureRatio", "5", "FailureRatio")]
    [InlineData("Sonia__Actions__Tools__echo__Retry__NeverRetry__0", "sometimes", "sometimes")]
    [InlineData("Sonia__Actions__Tools__echo__Retry__MaxAttempts", "0", "Sonia:Actions:Tools:echo:Retry:MaxAttempts")]
    [InlineData("Sonia__Actions__Tools__note.delete__ConfirmationTimeout", "-00:01:00", "Sonia:Actions:Tools:note.delete:ConfirmationTimeout")]
    public async Task InvalidPolicy_StopsStartupNamingIt(string setting, string value, string named)
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("badpolicy");
        var env = SiloEnvironment(database.ConnectionString);
        env[setting] = value;

        await using var silo = SoniaProcess.Start("silo", Repo.SiloDll, env);
        var code = await silo.WaitForExitAsync(ExitWithin);

        Assert.Equal(2, code);
        var line = Assert.Single(silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("sonia-silo: ", line);
        Assert.Contains(named, line);
    }

    [Fact]
    public async Task MigrateCommand_AppliesThenReportsUpToDate()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("migratecmd", migrate: false);
        var env = SiloEnvironment(database.ConnectionString);

        await using (var first = SoniaProcess.Start("migrate", Repo.SiloDll, env, "migrate"))
        {
            Assert.Equal(0, await first.WaitForExitAsync(ExitWithin));
            var scripts = new Sonia.Silo.Database.SchemaMigrator(database).AvailableScripts().Count;
            Assert.Contains($"applied {scripts} migration(s)", first.Output);
        }

        await using var second = SoniaProcess.Start("migrate", Repo.SiloDll, env, "migrate");
        Assert.Equal(0, await second.WaitForExitAsync(ExitWithin));
        Assert.Contains("is up to date", second.Output);
    }

    private static Dictionary<string, string> SiloEnvironment(string connectionString) => new()
    {
        ["Sonia__Database__Provider"] = "PostgreSql",
        ["Sonia__Database__ConnectionString"] = connectionString,
        ["Sonia__Cluster__ClusterId"] = $"fail-{Guid.NewGuid():N}"[..20],
        ["Sonia__Cluster__SiloPort"] = Shell.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sonia__Cluster__GatewayPort"] = Shell.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sonia__DataPath"] = Path.Combine(Path.GetTempPath(), $"sonia-fail-{Guid.NewGuid():N}"),
    };
}
