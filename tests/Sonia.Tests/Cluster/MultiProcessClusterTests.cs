using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Hosting.Correlation;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Cluster;

/// <summary>Two silo processes and a gateway process on loopback, clustered through membership rows in PostgreSQL.</summary>
[Collection(ProcessCollection.Name)]
public sealed class MultiProcessClusterTests
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(120);
    private const string Secret = "pw-never-logged-7f3a";

    [Fact]
    public async Task SiloProcesses_FormOneCluster_AndASessionOutlivesSigkillOfItsSilo()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("procs");
        var clusterId = $"procs-{Guid.NewGuid():N}"[..16];
        var data = Path.Combine(Path.GetTempPath(), $"sonia-procs-{Guid.NewGuid():N}");
        var httpPort = Shell.FreeTcpPort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(15) };

        // Silo A alone first, so the session is certain to live on A.
        await using var siloA = SoniaProcess.Start("silo-a", Repo.SiloDll, SiloEnvironment(database, clusterId, data));
        await WaitForActiveSilosAsync(database, clusterId, 1, siloA);
        await using var gateway = SoniaProcess.Start("gateway", Repo.GatewayDll, GatewayEnvironment(database, clusterId, data, httpPort));
        await Eventually.ResultAsync(() => http.GetAsync("/readyz"), Recovery, r => r.StatusCode == HttpStatusCode.OK);

        var correlationId = $"procs-{Guid.NewGuid():N}";
        var traceId = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();
        using var open = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions");
        open.Headers.Add(CorrelationId.HeaderName, correlationId);
        open.Headers.Add("traceparent", $"00-{traceId}-{traceId[..16]}-01");
        using var created = await http.SendAsync(open);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var session = await created.Content.ReadFromJsonAsync<JsonElement>();
        var sessionId = session.GetProperty("session_id").GetString()!;

        await using var siloB = SoniaProcess.Start("silo-b", Repo.SiloDll, SiloEnvironment(database, clusterId, data));
        await WaitForActiveSilosAsync(database, clusterId, 2, siloB);

        siloA.Kill();

        using var read = await Eventually.ResultAsync(() => http.GetAsync($"/v1/sessions/{sessionId}"), Recovery, r => r.StatusCode == HttpStatusCode.OK);
        var after = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(session.GetProperty("created_at").GetDateTimeOffset(), after.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal(correlationId, after.GetProperty("correlation_id").GetString());

        // The silo that opened the session logged it with the client's correlation id and W3C trace id.
        var opened = ReadJsonLines(data)
            .Where(l => l.TryGetProperty("session_id", out var s) && s.GetString() == sessionId)
            .ToList();
        var line = Assert.Single(opened);
        Assert.Equal(correlationId, line.GetProperty("correlation_id").GetString());
        Assert.Equal(traceId, line.GetProperty("trace_id").GetString());
        Assert.StartsWith("silo-", line.GetProperty("silo").GetString());

        // New actions are placed on any silo the cluster believes alive: wait until membership has declared silo A dead,
        // or a submission may be placed on it and answered 503 (the outage answer issue 13 is about).
        await Eventually.ResultAsync(
            () => TestSql.CountAsync(
                database, "SELECT COUNT(*) FROM orleansmembership WHERE deploymentid = @id AND status = 3", ("id", clusterId)),
            Recovery,
            active => active == 1);

        // Attempts and failures land in the silo's JSON Lines as tool_log and error_log, with the correlation id.
        var actions = new Sonia.Tests.Actions.ActionsClient(http);
        var echo = await actions.SubmitAcceptedAsync("echo", new { hi = 1 }, $"{correlationId}-echo");
        var drill = await actions.SubmitAcceptedAsync("drill.fail", new { failure_class = "rejected" }, $"{correlationId}-drill");
        await actions.WaitAsync(echo);
        await actions.WaitAsync(drill);
        var lines = await Eventually.ResultAsync(() => Task.FromResult(ReadJsonLines(data).ToList()), Recovery,
            all => all.Any(l => l.GetProperty("log").GetString() == "error_log" && HasId(l, "action_id", drill)));
        var toolLine = Assert.Single(lines, l => l.GetProperty("log").GetString() == "tool_log" && HasId(l, "action_id", echo));
        Assert.Equal($"{correlationId}-echo", toolLine.GetProperty("correlation_id").GetString());
        var errorLine = Assert.Single(lines, l => l.GetProperty("log").GetString() == "error_log" && HasId(l, "action_id", drill));
        Assert.Equal($"{correlationId}-drill", errorLine.GetProperty("correlation_id").GetString());
        Assert.Equal("rejected", errorLine.GetProperty("failure_class").GetString());

        // The correlation id outlives failure, dead letter and replay: the operator's replay request has an id of its
        // own, yet the replayed action's log lines carry the original one.
        var dlqId = (await actions.GetAsync(drill)).GetProperty("dlq_id").GetString()!;
        using var replay = new HttpRequestMessage(HttpMethod.Post, $"/v1/dlq/{dlqId}/replay?dry_run=false");
        replay.Headers.Add(CorrelationId.HeaderName, $"{correlationId}-operator");
        using var replayed = await http.SendAsync(replay);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        var replayId = (await replayed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replay_action_id").GetString()!;
        await actions.WaitAsync(replayId);
        var replayLines = await Eventually.ResultAsync(() => Task.FromResult(ReadJsonLines(data).ToList()), Recovery,
            all => all.Any(l => l.GetProperty("log").GetString() == "error_log" && HasId(l, "action_id", replayId)));
        var replayLine = Assert.Single(replayLines, l => l.GetProperty("log").GetString() == "error_log" && HasId(l, "action_id", replayId));
        Assert.Equal($"{correlationId}-drill", replayLine.GetProperty("correlation_id").GetString());

        foreach (var file in Directory.GetFiles(Path.Combine(data, "logs")))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            Assert.DoesNotContain(Secret, await reader.ReadToEndAsync());
        }

        Assert.DoesNotContain(Secret, siloA.Output + siloB.Output + gateway.Output);

        // SIGTERM is a graceful stop: the silo leaves the membership table and exits 0.
        await siloB.StopAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, siloB.ExitCode);
        Assert.Equal(0, await TestSql.CountAsync(
            database,
            "SELECT COUNT(*) FROM orleansmembership WHERE deploymentid = @id AND status = 3",
            ("id", clusterId)));
    }

    internal static async Task WaitForActiveSilosAsync(DatabaseOptions database, string clusterId, int count, SoniaProcess watched)
    {
        await Eventually.ResultAsync(
            async () =>
            {
                Assert.False(watched.HasExited, $"{watched.Name} exited:\n{watched.Output}");
                return await TestSql.CountAsync(
                    database,
                    "SELECT COUNT(*) FROM orleansmembership WHERE deploymentid = @id AND status = 3",
                    ("id", clusterId));
            },
            Recovery,
            active => active >= count);
    }

    private static bool HasId(JsonElement line, string field, string id) =>
        line.TryGetProperty(field, out var value) && value.GetString() == id;

    private static IEnumerable<JsonElement> ReadJsonLines(string data)
    {
        var folder = Path.Combine(data, "logs");
        foreach (var file in Directory.GetFiles(folder, "*.jsonl"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } text)
            {
                yield return JsonDocument.Parse(text).RootElement.Clone();
            }
        }
    }

    private static Dictionary<string, string> Common(DatabaseOptions database, string clusterId, string data) => new()
    {
        ["Sonia__Database__Provider"] = "PostgreSql",
        // Trust authentication ignores it, but a password there must never reach a log line.
        ["Sonia__Database__ConnectionString"] = database.ConnectionString + ";Password=" + Secret,
        ["Sonia__Cluster__Clustering"] = "AdoNet",
        ["Sonia__Cluster__ClusterId"] = clusterId,
        ["Sonia__Cluster__ServiceId"] = clusterId,
        ["Sonia__Cluster__ProbeTimeoutSeconds"] = "1",
        ["Sonia__Cluster__GatewayListRefreshSeconds"] = "1",
        ["Sonia__DataPath"] = data,
        ["Sonia__Actions__Drills__Enabled"] = "true",
    };

    internal static Dictionary<string, string> SiloEnvironment(DatabaseOptions database, string clusterId, string data)
    {
        var env = Common(database, clusterId, data);
        env["Sonia__Cluster__SiloPort"] = Shell.FreeTcpPort().ToString(CultureInfo.InvariantCulture);
        env["Sonia__Cluster__GatewayPort"] = Shell.FreeTcpPort().ToString(CultureInfo.InvariantCulture);
        return env;
    }

    internal static Dictionary<string, string> GatewayEnvironment(DatabaseOptions database, string clusterId, string data, int httpPort)
    {
        var env = Common(database, clusterId, data);
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}";
        return env;
    }
}
