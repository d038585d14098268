using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sonia.Tests.Recovery;

/// <summary>
/// Issue 13, drill 8: the single silo of <c>deploy/up.sh</c> SIGKILLed with actions in flight and started again at once,
/// with the shipped membership and gateway settings. Leases last minutes, so only the restart releases them.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class SingleSiloRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(120);

    [Fact]
    [Trait("Category", "Chaos")]
    public async Task SingleSiloKilledAndRestarted_ServesWithin5s_ResumesInFlightActionsAtStart_No500()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("restart");
        await using var executor = await FakeExecutor.StartAsync();
        var env = Environment(database, executor.BaseUrl);
        var httpPort = Shell.FreeTcpPort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(40) };

        var silo = SoniaProcess.Start("silo", Repo.SiloDll, env);
        await using var gateway = SoniaProcess.Start("gateway", Repo.GatewayDll,
            new Dictionary<string, string>(env) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}" });
        SoniaProcess? restarted = null;
        try
        {
            await Eventually.ResultAsync(() => http.GetAsync("/readyz"), Start, r => r.StatusCode == HttpStatusCode.OK);
            var inFlight = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                inFlight.Add(await new Actions.ActionsClient(http).SubmitAcceptedAsync("t.hang", new { mode = "hang_first", ms = 600_000, n = i }));
            }

            await Eventually.ResultAsync(() => Task.FromResult(inFlight.Count(id => executor.For(id).Count == 1)), Start, n => n == inFlight.Count);

            // Eight clients keep submitting through the whole drill; every answer is recorded with its time. A request in
            // flight at the kill is answered 503 at once (LostConnectionGuard): the others show when service is back.
            var answers = new ConcurrentQueue<(DateTime At, int Status, TimeSpan Took)>();
            using var stop = new CancellationTokenSource();
            var load = Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => SubmitUntilAsync(http, answers, stop.Token))));

            // A long poll surely in flight at the kill: its silo never answers, so without the gateway noticing the closed
            // connection it would wait for Orleans' 30 s response timeout.
            var longPoll = Task.Run(async () =>
            {
                using var response = await http.GetAsync($"/v1/actions/{inFlight[0]}?wait_ms=20000");
                return ((int)response.StatusCode, DateTime.UtcNow, response.Headers.RetryAfter);
            });
            await Task.Delay(500);

            var killed = DateTime.UtcNow;
            silo.Kill();
            restarted = SoniaProcess.Start("silo-restarted", Repo.SiloDll, env);

            // Ready: membership lists the new incarnation as active and its gateway endpoint accepts connections.
            await Eventually.ResultAsync(() => TestSql.CountAsync(database,
                "SELECT COUNT(*) FROM orleansmembership WHERE status = 3 AND generation = (SELECT MAX(generation) FROM orleansmembership)"),
                Start, n => n == 1);
            var gatewayPort = int.Parse(env["Sonia__Cluster__GatewayPort"], CultureInfo.InvariantCulture);
            await Eventually.ResultAsync(async () =>
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, gatewayPort);
                return true;
            }, Start);
            var ready = DateTime.UtcNow;

            // Served again: a fresh request (not one caught in flight by the kill) is accepted.
            var probe = new Actions.ActionsClient(http);
            await Eventually.ResultAsync(() => probe.SubmitAsync("echo", new { probe = true }), TimeSpan.FromSeconds(30), r => r.Status == HttpStatusCode.Accepted);
            var firstSuccess = DateTime.UtcNow;
            var resumed = await Eventually.ResultAsync(
                () => TestSql.CountAsync(database, "SELECT COUNT(*) FROM sonia.actions WHERE tool = 't.hang' AND status = 'succeeded'"),
                TimeSpan.FromSeconds(30), n => n == inFlight.Count);
            var allResumed = DateTime.UtcNow;

            await Eventually.ResultAsync(() => Task.FromResult(answers.Count(a => a.At > ready && a.Status == 202)), TimeSpan.FromSeconds(45), n => n > 0);
            await stop.CancelAsync();
            await load;

            // Requests caught in flight by the kill are answered 503 + Retry-After at once, not after the response timeout.
            var (pollStatus, pollAnswered, retryAfter) = await longPoll;
            Assert.Equal(503, pollStatus);
            Assert.NotNull(retryAfter);
            Assert.True(pollAnswered - killed < TimeSpan.FromSeconds(5), $"the long poll in flight got 503 {(pollAnswered - killed).TotalSeconds:0.0} s after the kill");
            var slowest = answers.Max(a => a.Took);
            Assert.True(slowest < TimeSpan.FromSeconds(10), $"slowest submission answered after {slowest.TotalSeconds:0.0} s");

            output.WriteLine($"silo ready {(ready - killed).TotalSeconds:0.0} s after the kill; first 202 {(firstSuccess - ready).TotalSeconds:0.0} s "
                + $"after ready; in-flight actions ended {(allResumed - ready).TotalSeconds:0.0} s after ready; "
                + $"answers: {Timeline(answers.OrderBy(a => a.At), killed)}");
            Assert.True(firstSuccess - ready < TimeSpan.FromSeconds(5),
                $"first 202 {(firstSuccess - ready).TotalSeconds:0.0} s after the restarted silo was active "
                + $"({(ready - killed).TotalSeconds:0.0} s after the kill); answers since the kill: {Timeline(answers.OrderBy(a => a.At), killed)}");
            Assert.True(allResumed - ready < TimeSpan.FromSeconds(20), $"in-flight actions ended {(allResumed - ready).TotalSeconds:0.0} s after start");
            Assert.Equal(inFlight.Count, resumed);
            var statuses = answers.GroupBy(a => a.Status).ToDictionary(g => g.Key, g => g.Count());
            Assert.True(statuses.Keys.All(s => s is 202 or 503), $"answers: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");

            // Exactly once at the executor: the cut-off attempt and the resumed one, one key, one stored effect.
            Assert.All(inFlight, id => Assert.Equal(2, executor.For(id).Count));
            Assert.All(inFlight, id => Assert.Single(executor.For(id).Select(r => r.IdempotencyKey).Distinct()));
        }
        finally
        {
            silo.Kill();
            await silo.DisposeAsync();
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
        }
    }

    /// <summary>Runs of equal answers, as "+seconds status×count", for a failure message.</summary>
    private static string Timeline(IEnumerable<(DateTime At, int Status, TimeSpan Took)> answers, DateTime from)
    {
        var runs = new List<(double At, int Status, int Count)>();
        foreach (var (at, status, _) in answers.Where(a => a.At >= from))
        {
            if (runs.Count > 0 && runs[^1].Status == status)
            {
                runs[^1] = runs[^1] with { Count = runs[^1].Count + 1 };
            }
            else
            {
                runs.Add(((at - from).TotalSeconds, status, 1));
            }
        }

        return string.Join(" ", runs.Select(r => $"+{r.At:0.0}s {r.Status}×{r.Count}"));
    }

    /// <summary>One submission after another until cancelled; a transport failure is recorded as status 0.</summary>
    private static async Task SubmitUntilAsync(HttpClient http, ConcurrentQueue<(DateTime At, int Status, TimeSpan Took)> answers, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var sent = DateTime.UtcNow;
            try
            {
                using var response = await http.PostAsJsonAsync("/v1/actions", new { tool = "echo", args = new { n } }, CancellationToken.None);
                answers.Enqueue((DateTime.UtcNow, (int)response.StatusCode, DateTime.UtcNow - sent));
            }
            catch (HttpRequestException)
            {
                answers.Enqueue((DateTime.UtcNow, 0, DateTime.UtcNow - sent));
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    private static Dictionary<string, string> Environment(DatabaseOptions database, string executorUrl) => new()
    {
        ["Sonia__Database__Provider"] = "PostgreSql",
        ["Sonia__Database__ConnectionString"] = database.ConnectionString,
        ["Sonia__Cluster__Clustering"] = "AdoNet",
        ["Sonia__Cluster__ClusterId"] = $"restart-{Guid.NewGuid():N}"[..16],
        ["Sonia__Cluster__SiloPort"] = Shell.FreeTcpPort().ToString(CultureInfo.InvariantCulture),
        ["Sonia__Cluster__GatewayPort"] = Shell.FreeTcpPort().ToString(CultureInfo.InvariantCulture),
        ["Sonia__DataPath"] = Path.Combine(Path.GetTempPath(), $"sonia-restart-{Guid.NewGuid():N}"),
        ["Sonia__Actions__LeaseDuration"] = "00:05:00",
        ["Sonia__Actions__RecoveryInterval"] = "00:10:00",
        ["Sonia__Actions__Executors__fake__BaseUrl"] = executorUrl,
        ["Sonia__Actions__Tools__t.hang__Executor"] = "fake",
        ["Sonia__Actions__Tools__t.hang__Timeout"] = "00:03:00",
    };
}
