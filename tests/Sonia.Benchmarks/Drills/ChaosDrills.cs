using System.Net;
using System.Text.Json;
using Sonia.Benchmarks.Load;
using Sonia.Tests.Infrastructure;

namespace Sonia.Benchmarks.Drills;

/// <summary>Drills 5-8 of issue 13 against real processes; each returns its result, a failure included, and never throws.</summary>
public sealed class ChaosDrills(DrillSettings settings, FakeExecutor executor)
{
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan TerminalLimit = TimeSpan.FromMinutes(2);

    /// <summary>A submission answers in well under a second; one caught by a fault must still answer, 503 at worst, in this.</summary>
    private static readonly TimeSpan SlowestAnswerLimit = TimeSpan.FromSeconds(10);

    /// <summary>5: the executor answers 503 for a while; from its return to the first success and to every breaker closed.</summary>
    public Task<DrillResult> ExecutorDownAsync(Cluster cluster) => RunAsync(5, "executor down", async (failures, seconds, notes) =>
    {
        var load = new DrillLoad(cluster.Http, new { mode = "ok" });
        using var stop = new CancellationTokenSource();
        executor.Down = true;
        var running = load.RunAsync(4, int.MaxValue, TimeSpan.FromMilliseconds(250), stop.Token);
        await Task.Delay(settings.ExecutorOutage);
        var effectsBefore = Effects();
        executor.Down = false;
        var removed = DateTime.UtcNow;
        seconds["fault_removed_to_first_success"] = await DrillLoad.UntilAsync(() => Task.FromResult(Effects() > effectsBefore), Budget, removed);
        seconds["fault_removed_to_breakers_closed"] = await DrillLoad.UntilAsync(() => AllBreakersClosedAsync(cluster.Http), Budget, removed);
        await stop.CancelAsync();
        await running;
        if (seconds.Values.Any(s => s is null or > 60))
        {
            failures.Add($"not recovered within the {Budget.TotalSeconds:0} s budget");
        }

        seconds["budget"] = Budget.TotalSeconds;
        notes.Add($"{load.Accepted} actions accepted while the executor was down or recovering");
        await WaitTerminalAsync(load, seconds, removed, "fault_removed_to_all_accepted_terminal");
        return load;
    });

    /// <summary>6: one of three silos SIGKILLed with ~500 actions in flight.</summary>
    public Task<DrillResult> SiloKilledAsync(Cluster cluster) => RunAsync(6, "one of three silos killed", async (failures, seconds, notes) =>
    {
        var load = new DrillLoad(cluster.Http, new { mode = "slow", ms = 5000 });
        await load.RunAsync(16, settings.InFlightActions, TimeSpan.Zero, CancellationToken.None);
        var statuses = await DrillOutcome.StatusesAsync(settings.ConnectionString, load.AcceptedIds);
        var inFlight = load.AcceptedIds.Where(id => !Grains.Interfaces.Actions.ActionStatuses.IsTerminal(statuses.GetValueOrDefault(id, ""))).ToList();
        var leased = await DrillOutcome.LeasedByAsync(settings.ConnectionString, inFlight, cluster.Processes.SiloPort(1));
        notes.Add($"{inFlight.Count} of {load.Accepted} accepted actions not terminal when silo1 was killed, {leased} of them leased by silo1");
        if (leased == 0)
        {
            failures.Add("silo1 held no action when it was killed: the drill proves nothing");
        }

        Console.Error.WriteLine($"==> drill 6: {notes[^1]}");
        // Timed from the process's exit: a request answered while the kill was still under way proves nothing.
        cluster.Processes.KillSilo(1);
        var killed = DateTime.UtcNow;
        using var stop = new CancellationTokenSource();
        var probe = new DrillLoad(cluster.Http, new { mode = "ok" });
        var probing = probe.RunAsync(4, int.MaxValue, TimeSpan.FromMilliseconds(200), stop.Token);
        seconds["kill_to_first_success"] = await DrillLoad.UntilAsync(() => Task.FromResult(probe.FirstAfter(killed, 202) is not null),
            TerminalLimit, killed);
        seconds["kill_to_all_accepted_terminal"] = await DrillLoad.UntilAsync(
            () => DrillOutcome.AllTerminalAsync(settings.ConnectionString, load.AcceptedIds), TerminalLimit, killed);
        seconds["kill_to_healthy"] = await DrillLoad.UntilAsync(() => HealthyAsync(cluster.Http), TerminalLimit, killed);
        await stop.CancelAsync();
        await probing;
        failures.AddRange(seconds.Where(s => s.Value is null).Select(s => $"{s.Key}: not within {TerminalLimit.TotalSeconds:0} s"));

        // The probes' own actions too, the last accepted just now: counted once they had their chance to end.
        var all = Merge(load, probe);
        await DrillLoad.UntilAsync(() => DrillOutcome.AllTerminalAsync(settings.ConnectionString, all.AcceptedIds), TerminalLimit, killed);
        return all;
    });

    /// <summary>7: PostgreSQL stopped in immediate mode under load, then started: only 2xx and 503, back within 5 s.</summary>
    public Task<DrillResult> DatabaseDownAsync(Cluster cluster) => RunAsync(7, "database stopped (immediate)", async (failures, seconds, notes) =>
    {
        var load = new DrillLoad(cluster.Http, new { mode = "ok" });
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(8, int.MaxValue, TimeSpan.FromMilliseconds(100), stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await PgCtlAsync("-D", settings.PostgresDataDirectory, "-m", "immediate", "-w", "stop");
        await Task.Delay(settings.DatabaseOutage);
        await PgCtlAsync("-D", settings.PostgresDataDirectory, "-l", Path.Combine(settings.PostgresDataDirectory, "server.log"),
            "-w", "-t", "60", "-o", settings.PostgresServerOptions, "start");
        var back = DateTime.UtcNow;
        seconds["database_back_to_first_success"] = await DrillLoad.UntilAsync(
            () => Task.FromResult(load.FirstAfter(back, 202) is not null), TimeSpan.FromSeconds(60), back);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await running;
        if (seconds["database_back_to_first_success"] is not { } s || s > 5)
        {
            failures.Add("service not back within 5 s of the database");
        }

        OnlyAcceptedOr503(load, failures);
        await WaitTerminalAsync(load, seconds, back, "database_back_to_all_accepted_terminal");
        return load;
    });

    /// <summary>8: the single silo SIGKILLed with actions in flight and started again at once.</summary>
    public Task<DrillResult> SingleSiloRestartAsync(Cluster cluster) => RunAsync(8, "single silo restarted", async (failures, seconds, notes) =>
    {
        var slow = new DrillLoad(cluster.Http, new { mode = "slow", ms = 3000 });
        await slow.RunAsync(4, settings.Quick ? 10 : 40, TimeSpan.Zero, CancellationToken.None);
        notes.Add($"{slow.Accepted} actions of 3 s at the executor submitted just before the kill");
        var load = new DrillLoad(cluster.Http, new { mode = "ok" });
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(8, int.MaxValue, TimeSpan.FromMilliseconds(100), stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(1));
        cluster.Processes.KillSilo(0);
        var killed = DateTime.UtcNow;
        cluster.Processes.StartSilo(0);
        seconds["kill_to_first_success"] = await DrillLoad.UntilAsync(() => Task.FromResult(load.FirstAfter(killed, 202) is not null),
            TerminalLimit, killed);
        await stop.CancelAsync();
        await running;
        var all = Merge(slow, load);
        await WaitTerminalAsync(all, seconds, killed, "kill_to_all_accepted_terminal");
        if (seconds.Values.Any(s => s is null))
        {
            failures.Add($"not recovered within {TerminalLimit.TotalSeconds:0} s");
        }

        OnlyAcceptedOr503(all, failures);
        return all;
    });

    /// <summary>Starts <paramref name="silos"/> silos and a gateway and waits for <c>/readyz</c>.</summary>
    public async Task<Cluster> StartClusterAsync(string name, int silos)
    {
        var processes = new DrillProcesses(settings, name, executor.BaseUrl);
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = processes.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var cluster = new Cluster(processes, http);
        try
        {
            for (var i = 0; i < silos; i++)
            {
                processes.StartSilo(i);
            }

            processes.StartGateway();
            var ready = await DrillLoad.UntilAsync(async () =>
            {
                using var response = await http.GetAsync("readyz");
                return response.StatusCode == HttpStatusCode.OK;
            }, ReadyLimit, DateTime.UtcNow);

            // Ready answers as soon as one silo serves; every silo must have joined before a drill kills one of them.
            if (ready is not null)
            {
                ready = await DrillLoad.UntilAsync(
                    async () => await DrillOutcome.ActiveSilosAsync(settings.ConnectionString, processes.ClusterId) == silos, ReadyLimit, DateTime.UtcNow);
            }

            return ready is null ? throw new InvalidOperationException($"{name}: not ready within {ReadyLimit}; logs in {processes.LogDirectory}") : cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private TimeSpan Budget => TimeSpan.FromSeconds(60);

    private async Task<DrillResult> RunAsync(int drill, string name, Func<List<string>, Dictionary<string, double?>, List<string>, Task<DrillLoad>> body)
    {
        Console.Error.WriteLine($"==> drill {drill}: {name}");
        var failures = new List<string>();
        var seconds = new Dictionary<string, double?>(StringComparer.Ordinal);
        var notes = new List<string>();
        DrillLoad? load = null;
        try
        {
            load = await body(failures, seconds, notes);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TimeoutException or Npgsql.NpgsqlException)
        {
            failures.Add($"drill aborted: {ex.Message}");
        }
        finally
        {
            executor.Down = false;
        }

        var ids = load?.AcceptedIds ?? [];
        var outcome = await DrillOutcome.CountAsync(settings.ConnectionString, ids, executor);
        var answers = load?.StatusCounts() ?? [];
        if (answers.GetValueOrDefault("500") > 0)
        {
            failures.Add($"{answers["500"]} answers were 500");
        }

        if (outcome.Lost > 0 || outcome.Duplicated > 0)
        {
            failures.Add($"{outcome.Lost} lost, {outcome.Duplicated} duplicated");
        }

        var slowest = load?.Answers.Select(a => (a.Answered - a.Sent).TotalSeconds).DefaultIfEmpty(0).Max() ?? 0;
        if (slowest > SlowestAnswerLimit.TotalSeconds)
        {
            failures.Add($"an answer took {slowest:0.0} s: a request hung (limit {SlowestAnswerLimit.TotalSeconds:0} s)");
        }

        var rounded = seconds.ToDictionary(s => s.Key, s => s.Value is { } v ? Math.Round(v, 1) : (double?)null);
        var result = new DrillResult(drill, name, failures.Count == 0, failures, rounded, outcome, answers, Math.Round(slowest, 1), notes);
        Console.Error.WriteLine($"==> drill {drill}: {(result.Passed ? "pass" : "FAIL " + string.Join("; ", failures))}");
        return result;
    }

    private async Task WaitTerminalAsync(DrillLoad load, Dictionary<string, double?> seconds, DateTime from, string key) =>
        seconds[key] = await DrillLoad.UntilAsync(() => DrillOutcome.AllTerminalAsync(settings.ConnectionString, load.AcceptedIds), TerminalLimit, from);

    private static void OnlyAcceptedOr503(DrillLoad load, List<string> failures)
    {
        var other = load.StatusCounts().Where(a => a.Key is not ("202" or "503")).ToList();
        if (other.Count > 0)
        {
            failures.Add("answers other than 202 and 503: " + string.Join(", ", other.Select(a => $"{a.Key}×{a.Value}")));
        }
    }

    private static DrillLoad Merge(DrillLoad first, DrillLoad second) => DrillLoad.Merged(first, second);

    private int Effects() => executor.Requests.Select(r => r.IdempotencyKey).Distinct().Sum(executor.EffectsFor);

    private static async Task<bool> AllBreakersClosedAsync(HttpClient http)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("v1/breakers"));
        var states = new List<string>();
        Collect(document.RootElement, states);
        return states.Count > 0 && states.All(s => s == "closed");
    }

    private static void Collect(JsonElement element, List<string> states)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Collect(item, states);
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "state" && property.Value.ValueKind == JsonValueKind.String)
                {
                    states.Add(property.Value.GetString()!);
                }
                else
                {
                    Collect(property.Value, states);
                }
            }
        }
    }

    private static async Task<bool> HealthyAsync(HttpClient http)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync("v1/health"));
        return document.RootElement.GetProperty("status").GetString() == "healthy";
    }

    private async Task PgCtlAsync(params string[] arguments)
    {
        var exit = await ScriptRunner.RunAsync(settings.RepositoryRoot, "deploy/chaos-drill.sh", ["--pg-ctl", .. arguments],
            new Dictionary<string, string> { ["PG_BIN"] = settings.PostgresBin }, TimeSpan.FromMinutes(2));
        if (exit != 0)
        {
            throw new InvalidOperationException($"pg_ctl {string.Join(' ', arguments)} failed with exit code {exit}");
        }
    }

    /// <summary>A drill's processes and the HTTP client pointed at its gateway.</summary>
    public sealed record Cluster(DrillProcesses Processes, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Processes.DisposeAsync();
        }
    }
}
