using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Releases;

/// <summary>deploy/promotion-gate.sh against a Sonia started by deploy/up.sh, with a release root of two releases.</summary>
[Collection(ProcessCollection.Name)]
public sealed class PromotionGateScriptTests
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task SkipTests_EveryOtherGatePasses_ExitsOneForTheSkips_AndTheRunIsListed()
    {
        var temp = Path.Combine(Path.GetTempPath(), $"sonia-gate-{Guid.NewGuid():N}");
        var data = Path.Combine(temp, "data");
        var root = Path.Combine(temp, "root");
        var report = Path.Combine(temp, "gate.json");
        var port = Shell.FreeTcpPort();
        var pgPort = Shell.FreeTcpPort();
        string[] down = [Path.Combine(Repo.Root, "deploy", "down.sh"), "--data-dir", data];
        try
        {
            string[] up =
            [
                "--detach", "--data-dir", data, "--port", Str(port), "--silo-port", Str(Shell.FreeTcpPort()),
                "--gateway-port", Str(Shell.FreeTcpPort()), "--pg-port", Str(pgPort), "--metrics-port", Str(Shell.FreeTcpPort()),
                .. Repo.Configuration == "Release" ? new[] { "--no-build" } : [],
            ];
            await Run("up.sh", up);
            var build = Path.Combine(temp, "build");
            Directory.CreateDirectory(build);
            await Shell.RunAsync("cp", ["-a", Path.GetDirectoryName(Repo.SiloDll)!, Path.Combine(build, "silo")]);
            await Shell.RunAsync("cp", ["-a", Path.GetDirectoryName(Repo.GatewayDll)!, Path.Combine(build, "gateway")]);
            await Run("release.sh", "--root", root, "--version", "g1", "--from", build);
            await Run("release.sh", "--root", root, "--version", "g2", "--from", build);

            var (code, output) = await Shell.RunAsync("bash",
                [Path.Combine(Repo.Root, "deploy", "promotion-gate.sh"), "--url", $"http://127.0.0.1:{port}", "--skip-tests",
                 "--root", root, "--connection", $"Host=127.0.0.1;Port={pgPort};Username=postgres;Database=sonia", "--json", report],
                ScriptTimeout, workingDirectory: Repo.Root);

            Assert.True(code == 1, $"promotion-gate.sh exited {code}, expected 1 (gates 1 and 7 skipped):\n{output}");
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
            Assert.False(json.RootElement.GetProperty("promotable").GetBoolean());
            var gates = json.RootElement.GetProperty("gates").EnumerateArray().ToList();
            Assert.Equal(Enumerable.Range(1, 12), gates.Select(g => g.GetProperty("id").GetInt32()));
            Assert.Equal([1, 7], gates.Where(g => g.GetProperty("status").GetString() == "skipped").Select(g => g.GetProperty("id").GetInt32()));
            var failed = gates.Where(g => g.GetProperty("status").GetString() != "pass" && g.GetProperty("status").GetString() != "skipped");
            Assert.True(!failed.Any(), $"gates failed:\n{output}");
            Assert.False(gates.Single(g => g.GetProperty("id").GetInt32() == 4).GetProperty("blocking").GetBoolean());

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var runs = await http.GetFromJsonAsync<JsonElement>("/v1/releases/gate-runs?last_n=5");
            var run = Assert.Single(runs.GetProperty("runs").EnumerateArray());
            Assert.Equal(json.RootElement.GetProperty("commit").GetString(), run.GetProperty("commit").GetString());
            Assert.Equal("skipped", run.GetProperty("gates").GetProperty("7").GetString());
        }
        finally
        {
            await Shell.RunAsync("bash", down, ScriptTimeout);
            Directory.Delete(temp, recursive: true);
        }
    }

    private static async Task Run(string script, params string[] args)
    {
        var (code, output) = await Shell.RunAsync("bash", [Path.Combine(Repo.Root, "deploy", script), .. args], ScriptTimeout, workingDirectory: Repo.Root);
        Assert.True(code == 0, $"{script} exited {code}:\n{output}");
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
