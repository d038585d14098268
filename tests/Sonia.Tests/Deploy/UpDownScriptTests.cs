using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Deploy;

/// <summary>The operator's two scripts, run for real: a fresh data folder, a restart, nothing lost.</summary>
[Collection(ProcessCollection.Name)]
public sealed class UpDownScriptTests
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task UpDetach_OnEmptyDataFolder_IsReady_AndASessionSurvivesDownAndUpAgain()
    {
        var data = Path.Combine(Path.GetTempPath(), $"sonia-up-{Guid.NewGuid():N}");
        var port = Shell.FreeTcpPort();
        var pgPort = Shell.FreeTcpPort();
        var metricsPort = Shell.FreeTcpPort();
        string[] up =
        [
            Path.Combine(Repo.Root, "deploy", "up.sh"), "--detach", "--data-dir", data,
            "--port", Str(port), "--silo-port", Str(Shell.FreeTcpPort()), "--gateway-port", Str(Shell.FreeTcpPort()),
            "--pg-port", Str(pgPort), "--metrics-port", Str(metricsPort),
            .. Repo.Configuration == "Release" ? new[] { "--no-build" } : [],
        ];
        string[] down = [Path.Combine(Repo.Root, "deploy", "down.sh"), "--data-dir", data];
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await Run(up);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
            // Its PostgreSQL runs with malloc on transparent huge pages (deploy/lib/common.sh, pg_server_tunables).
            Assert.Contains("glibc.malloc.hugetlb=1", PostgresServer.PostmasterTunables(Path.Combine(data, "postgres")));
            // Every process logs under <data>/logs, the gateway included (it used to log under its build output).
            Assert.True(File.Exists(Path.Combine(data, "logs", "gateway.jsonl")), "no gateway.jsonl under <data>/logs");
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(data, "logs"), "silo-*.jsonl"));

            // Issue 11: the silo serves its own metrics where up.sh said, Sonia's gauges among them.
            var siloMetrics = Sonia.Tests.Telemetry.PrometheusText.Parse(
                await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics"));
            Assert.Equal("gauge", siloMetrics.Types["sonia_ledger_queue_depth"]);

            // ADO.NET membership (issue 9, item 1): the silo is an Active row that a second silo would find and join.
            var database = new Sonia.Hosting.Database.DatabaseOptions { ConnectionString = $"Host=127.0.0.1;Port={pgPort};Username=postgres;Database=sonia" };
            Assert.Equal(1, await TestSql.CountAsync(database, "SELECT COUNT(*) FROM orleansmembership WHERE status = 3"));
            using var created = await http.PostAsync("/v1/sessions", null);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var session = await created.Content.ReadFromJsonAsync<JsonElement>();
            var id = session.GetProperty("session_id").GetString();

            await Run(down);
            Assert.False(File.Exists(Path.Combine(data, "run", "silo.pid")));
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/healthz"));

            await Run(up);
            using var read = await http.GetAsync($"/v1/sessions/{id}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            var again = await read.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(session.GetProperty("created_at").GetDateTimeOffset(), again.GetProperty("created_at").GetDateTimeOffset());
        }
        finally
        {
            await Shell.RunAsync("bash", down, ScriptTimeout);
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task Run(string[] command)
    {
        var (code, output) = await Shell.RunAsync("bash", command, ScriptTimeout, workingDirectory: Repo.Root);
        Assert.True(code == 0, $"{Path.GetFileName(command[0])} exited {code}:\n{output}");
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
