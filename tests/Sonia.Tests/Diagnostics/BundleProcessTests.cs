using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Sonia.Tests.Cluster;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Diagnostics;

/// <summary>Issue 11: a bundle from two silo processes and a gateway process, and the export script against them.</summary>
[Collection(ProcessCollection.Name)]
public sealed class BundleProcessTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);
    private const string SiloOnlySecret = "silo-only-executor-key-91c2";
    private const string ApiKeySetting = "Sonia:Actions:Executors:fake:ApiKey";

    [Fact]
    [Trait("Category", "Processes")]
    public async Task Bundle_FromTwoSiloProcesses_HoldsEveryProcesssLogs_OneSecretOnePlaceholder_AndTheScriptExportsIt()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("bundle");
        var clusterId = $"bundle-{Guid.NewGuid():N}"[..16];
        var data = Path.Combine(Path.GetTempPath(), $"sonia-bundle-{Guid.NewGuid():N}");
        var httpPort = Shell.FreeTcpPort();
        var url = $"http://127.0.0.1:{httpPort}";
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        var envA = SiloEnvironment(database, clusterId, data);
        var envB = SiloEnvironment(database, clusterId, data);
        var siloA = $"silo-{envA["Sonia__Cluster__SiloPort"]}";
        var siloB = $"silo-{envB["Sonia__Cluster__SiloPort"]}";

        await using var a = SoniaProcess.Start("silo-a", Repo.SiloDll, envA);
        await MultiProcessClusterTests.WaitForActiveSilosAsync(database, clusterId, 1, a);

        // An older rolled file of silo A (planted once it writes its own: its sink resumes the highest-numbered file at start)
        // with a line that should never have held the key only the silos are configured with.
        var logs = Path.Combine(data, "logs");
        await Eventually.ResultAsync(() => Task.FromResult(File.Exists(Path.Combine(logs, $"{siloA}.jsonl"))), Startup, exists => exists);
        BundleDownload.PlantLog(Path.Combine(logs, $"{siloA}_901.jsonl"), (DateTimeOffset.UtcNow, $"calling with key {SiloOnlySecret} now"));
        await using var b = SoniaProcess.Start("silo-b", Repo.SiloDll, envB);
        await MultiProcessClusterTests.WaitForActiveSilosAsync(database, clusterId, 2, b);
        await using var gateway = SoniaProcess.Start("gateway", Repo.GatewayDll,
            MultiProcessClusterTests.GatewayEnvironment(database, clusterId, data, httpPort));
        await Eventually.ResultAsync(() => http.GetAsync("/readyz"), Startup, r => r.StatusCode == HttpStatusCode.OK);

        var bundle = await BundleDownload.FetchAsync(http, 30);

        Assert.Equal(HttpStatusCode.OK, bundle.Status);
        Assert.Empty(bundle.FailedCollectors);
        foreach (var entry in new[] { $"logs/{siloA}/{siloA}.jsonl", $"logs/{siloB}/{siloB}.jsonl", "logs/gateway/gateway.jsonl" })
        {
            Assert.True(bundle.Entries.ContainsKey(entry), $"no {entry} in {string.Join(", ", bundle.Entries.Keys)}");
            Assert.NotEmpty(bundle.Lines(entry));
        }

        foreach (var (name, text) in bundle.Entries)
        {
            Assert.False(text.Contains(SiloOnlySecret, StringComparison.Ordinal), $"{name} holds the silos' key");
            Assert.False(text.Contains("pw-never-logged-7f3a", StringComparison.Ordinal), $"{name} holds the database password");
        }

        // The silo redacted the line itself; the bundle renumbered it to the placeholder its configuration shows.
        var keyPlaceholder = Setting(bundle, $"config/{siloA}.json", ApiKeySetting);
        Assert.Equal(keyPlaceholder, Setting(bundle, $"config/{siloB}.json", ApiKeySetting));
        Assert.Contains($"key {keyPlaceholder} now", Assert.Single(bundle.Lines($"logs/{siloA}/{siloA}_901.jsonl")), StringComparison.Ordinal);
        var connection = Setting(bundle, "config/gateway.json", "Sonia:Database:ConnectionString");
        Assert.Equal(connection, Setting(bundle, $"config/{siloA}.json", "Sonia:Database:ConnectionString"));
        Assert.Contains("[redacted-secret-", connection, StringComparison.Ordinal);

        await ExportScript_WritesTheBundle_AndSaysWhenNoGatewayAnswers(url, data);
    }

    private static async Task ExportScript_WritesTheBundle_AndSaysWhenNoGatewayAnswers(string url, string data)
    {
        var script = Path.Combine(Repo.Root, "deploy", "export-incident-bundle.sh");
        var output = Path.Combine(data, "exports", "incident.zip");

        string[] export = [script, "--url", url, "--window-minutes", "15", "--out", output];
        var (code, text) = await Shell.RunAsync("bash", export, TimeSpan.FromMinutes(3));

        Assert.True(code == 0, text);
        Assert.Contains($"path:    {output}", text, StringComparison.Ordinal);
        Assert.Contains($"size:    {new FileInfo(output).Length} bytes", text, StringComparison.Ordinal);
        Assert.Contains("failed:  none", text, StringComparison.Ordinal);
        using (var zip = ZipFile.OpenRead(output))
        {
            var metadata = JsonDocument.Parse(zip.GetEntry("metadata.json")!.Open()).RootElement;
            Assert.Equal(15, metadata.GetProperty("window").GetProperty("minutes").GetInt32());
        }

        var nobody = $"http://127.0.0.1:{Shell.FreeTcpPort()}";
        var (refused, why) = await Shell.RunAsync("bash", [script, "--url", nobody, "--out", output + ".2"]);
        Assert.Equal(1, refused);
        Assert.Contains("did not answer", why, StringComparison.Ordinal);
        Assert.False(File.Exists(output + ".2"));

        var (bad, usage) = await Shell.RunAsync("bash", [script, "--window-minutes", "0"]);
        Assert.Equal(2, bad);
        Assert.Contains("1 to 10080", usage, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> SiloEnvironment(Sonia.Hosting.Database.DatabaseOptions database, string clusterId, string data)
    {
        var env = MultiProcessClusterTests.SiloEnvironment(database, clusterId, data);
        env["Sonia__Actions__Executors__fake__BaseUrl"] = "http://127.0.0.1:9";
        env["Sonia__Actions__Executors__fake__ApiKey"] = SiloOnlySecret;
        return env;
    }

    private static string Setting(BundleDownload bundle, string entry, string key) =>
        JsonDocument.Parse(bundle.Entries[entry]).RootElement.GetProperty(key).GetString()!;
}
