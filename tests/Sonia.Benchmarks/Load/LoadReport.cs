using System.Globalization;

namespace Sonia.Benchmarks.Load;

/// <summary>One load of a run: over HTTP or in cluster, with what its window cost.</summary>
public sealed record LoadPhase(string Name, ActionLoadResult Load, CpuUsage? Cpu, PostgresCounters? Postgres, string LoadAverage)
{
    /// <summary>The silo's GC over the window, when its metrics were known and readable.</summary>
    public SiloGc? SiloGc { get; init; }

    public const string Http = "HTTP through the gateway";
    public const string Cluster = "in cluster: an Orleans client in this process, no HTTP";

    /// <summary>CPU-milliseconds per completed action of one part (a process), or null without per-process figures.</summary>
    public double? MsPerAction(string part) =>
        Cpu is { } cpu && cpu.ByPart.TryGetValue(part, out var cores) && Load.CompletedPerSecond > 0
            ? cores * 1000 / Load.CompletedPerSecond
            : null;

    /// <summary>Sonia's own CPU per completed action: silo, gateway and PostgreSQL, the driver (the client) left out.</summary>
    public double? SoniaMsPerAction =>
        MsPerAction(CpuUsage.Silo) is { } silo && MsPerAction(CpuUsage.Gateway) is { } gateway && MsPerAction(CpuUsage.Postgres) is { } pg
            ? silo + gateway + pg
            : null;
}

/// <summary>What a run left behind once its last action ended: activations in memory and the processes' working sets.</summary>
public sealed record EndOfRun(ActivationCounts? Activations, long? SiloWorkingSet, long? GatewayWorkingSet, long ActionsMade);

/// <summary>The figures of one <c>load</c> run, the ratios to the commit ceiling and to the peers, as a plain-text summary.</summary>
public sealed record LoadReport(
    LoadOptions Options,
    IReadOnlyList<LoadPhase> Phases,
    EndOfRun End,
    string ServerSettings,
    IReadOnlyList<CeilingResult> Ceilings,
    string LoadAverageAtEnd,
    IReadOnlyList<PeerResult> Peers)
{
    public bool IsValid => Phases.Count > 0 && Phases.All(p => p.Load.Tally.IsValid && p.Load.Tally.Succeeded > 0);

    public void Print(TextWriter output)
    {
        var w = new Writer(output);
        foreach (var phase in Phases)
        {
            PrintPhase(w, phase);
        }

        var activations = End.Activations is { } a
            ? $"{a.Total} activations, {a.ActionGrains} of them action grains"
            : "activations not read (no Orleans port)";
        w.Line(
            $"End of run ({End.ActionsMade} actions made): {activations}; ",
            $"working set: silo {Mib(End.SiloWorkingSet)}, gateway {Mib(End.GatewayWorkingSet)}");

        if (Ceilings.Count > 0 && Phases.FirstOrDefault(p => p.Name == LoadPhase.Http) is { } http)
        {
            w.Line($"Commit ceiling: single-row INSERT + COMMIT (autocommit, prepared), {ServerSettings}");
            foreach (var ceiling in Ceilings)
            {
                w.Line(
                    $"  {ceiling.Connections,3} connection(s): {ceiling.CommitsPerSecond,9:0.0} commits/s",
                    $"{Wal(ceiling.WalSyncs, ceiling.Seconds)}");
            }

            w.Line($"Ratio completed actions/s over HTTP / single-row commits/s:");
            foreach (var ceiling in Ceilings)
            {
                var which = ceiling.Connections == Options.LedgerWriters ? "the ledger's writer connections" : "one connection per client";
                w.Line(
                    $"  vs {ceiling.Connections,3} connection(s), {which}: ",
                    $"{http.Load.CompletedPerSecond / ceiling.CommitsPerSecond:0.00}");
            }
        }

        if (Peers.Count > 0)
        {
            PrintPeers(w);
        }

        w.Line($"Load average at the end: {LoadAverageAtEnd}");
    }

    private void PrintPhase(Writer w, LoadPhase phase)
    {
        var (load, tally) = (phase.Load, phase.Load.Tally);
        var waiting = phase.Name == LoadPhase.Cluster
            ? $"each WaitAsync waiting up to {Options.ClusterWaitMs} ms"
            : $"polling every {Options.PollDelay.TotalMilliseconds:0} ms"
                + (Options.WaitMs > 0 ? $", each poll waiting up to {Options.WaitMs} ms" : "");
        w.Line(
            $"Sonia load ({phase.Name}): {load.Clients} clients, auto-run echo actions, {load.Seconds:0.0} s measured, {waiting}; ",
            $"{(Options.Rate > 0 ? $"paced at {Options.Rate} actions/s in all (latencies from the scheduled start); " : string.Empty)}",
            $"load average {phase.LoadAverage}");
        w.Line($"  accepted     {load.AcceptedPerSecond,9:0.0} /s   ({tally.Accepted} accepted in the window)");
        w.Line($"  completed    {load.CompletedPerSecond,9:0.0} /s   ({tally.Succeeded} seen succeeded in the window)");
        Latency(w, "submit -> 202       ", tally.AcceptLatency);
        Latency(w, "submit -> terminal  ", tally.CompleteLatency);
        var reads = (double)tally.PollsInWindow / Math.Max(1, tally.Succeeded);
        w.Line($"  polls        {tally.PollsInWindow / load.Seconds,9:0.0} /s    ({reads:0.0} per completed action)");
        var valid = tally.IsValid && tally.Succeeded > 0;
        w.Line(
            $"  problems     {tally.Errors.Values.Sum()} errors, {tally.FailedOutcomes.Values.Sum()} not succeeded, ",
            $"{tally.Unfinished} unfinished (whole run) => {(valid ? "valid" : "INVALID")}");
        foreach (var (what, count) in tally.Errors.Concat(tally.FailedOutcomes.Select(o => KeyValuePair.Create("ended " + o.Key, o.Value))))
        {
            w.Line($"      {count,7} x {what}");
        }

        var perAction = Math.Max(1, tally.Succeeded);
        if (phase.Postgres is { } pg)
        {
            w.Line(
                $"  PostgreSQL: commits {pg.Commits / load.Seconds:0}/s, rows inserted {pg.RowsInserted / load.Seconds:0}/s, ",
                $"updated {pg.RowsUpdated / load.Seconds:0}/s{Wal(pg.WalSyncs, load.Seconds)}");
            var flushes = pg.WalSyncs is { } s ? $", {(double)s / perAction:0.00} WAL flushes" : string.Empty;
            w.Line(
                $"    per completed action: {(double)pg.Commits / perAction:0.00} commits, ",
                $"{(double)pg.RowsInserted / perAction:0.00} rows inserted, {(double)pg.RowsUpdated / perAction:0.00} updated{flushes}");
        }

        if (phase.SiloGc is { } gc)
        {
            w.Line(
                $"  silo GC: {gc.AllocatedBytes / 1024.0 / perAction:0.0} KB allocated per completed action, ",
                $"{gc.Collections} collections, {gc.PauseSeconds * 1000:0} ms paused in the window");
        }

        if (phase.Cpu is { } cpu)
        {
            var parts = string.Join(", ", cpu.ByPart.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:0.00}"));
            // Sonia's processes are only known when this driver started them; otherwise they are in the rest.
            var rest = cpu.ByPart.ContainsKey(CpuUsage.Silo) ? "other processes" : "the rest of the machine (Sonia included)";
            w.Line(
                $"  CPU, in cores of {cpu.Cores}: machine {cpu.MachineBusy:0.00} busy = {parts}, ",
                $"{rest} {Math.Max(0, cpu.Other):0.00}");
            if (phase.SoniaMsPerAction is { } sonia)
            {
                string Ms(string part) => $"{phase.MsPerAction(part):0.00}";
                w.Line(
                    $"  CPU per completed action: Sonia {sonia:0.00} ms = silo {Ms(CpuUsage.Silo)} + gateway {Ms(CpuUsage.Gateway)} ",
                    $"+ PostgreSQL {Ms(CpuUsage.Postgres)}; driver {Ms(CpuUsage.Driver)} ms (not counted)");
            }
        }
    }

    private void PrintPeers(Writer w)
    {
        w.Line(
            $"Peers (../shared/peers/run.sh --n {Options.PeersJobs}, each in one process on its own PostgreSQL; ",
            $"CPU is machine-wide: peer, its PostgreSQL and any other work):");
        foreach (var peer in Peers)
        {
            var unit = peer.Name == PeerResult.Baseline ? "commits/s" : "completed/s";
            var latency = peer.Number("p99_ms") is { } p99
                ? $", enqueue -> done p50 {peer.Number("p50_ms"):0} ms p99 {p99:0} ms"
                : string.Empty;
            w.Line($"  {peer.Name,-10} {peer.PerSecond,9:0.0} {unit}, CPU {peer.CpuMsPerItem:0.00} ms per item{latency}");
        }

        var wolverine = Peers.FirstOrDefault(p => p.Name == PeerResult.Wolverine);
        var hangfire = Peers.FirstOrDefault(p => p.Name == PeerResult.Hangfire);
        foreach (var phase in Phases)
        {
            var rate = phase.Load.CompletedPerSecond;
            var goal = phase.Name == LoadPhase.Http ? 1.5 : 2.0;
            var name = phase.Name == LoadPhase.Http ? "HTTP" : "in cluster";
            if (wolverine?.PerSecond is { } wr)
            {
                w.Line(
                    $"  Sonia {name} completed/s / Wolverine: {rate / wr:0.00} ",
                    $"(goal >= {goal:0.0}: {(rate / wr >= goal ? "met" : "not met")})");
            }

            if (hangfire?.PerSecond is { } hr && phase.Name == LoadPhase.Http)
            {
                w.Line($"  Sonia {name} completed/s / Hangfire: {rate / hr:0.0} (goal >= 20: {(rate / hr >= 20 ? "met" : "not met")})");
            }

            if (phase.SoniaMsPerAction is { } ms)
            {
                var peersCpu = string.Join(", ", new[] { wolverine, hangfire }.OfType<PeerResult>().Where(p => p.CpuMsPerItem is > 0)
                    .Select(p => $"{ms / p.CpuMsPerItem:0.00}x {p.Name}'s {p.CpuMsPerItem:0.00} ms"));
                w.Line(
                    $"  Sonia {name} CPU per action {ms:0.00} ms (silo {phase.MsPerAction(CpuUsage.Silo):0.00}, ",
                    $"gateway {phase.MsPerAction(CpuUsage.Gateway):0.00}, ",
                    $"PostgreSQL {phase.MsPerAction(CpuUsage.Postgres):0.00}) = {peersCpu}");
            }
        }
    }

    private static void Latency(Writer w, string what, Latencies latencies) => w.Line(
        $"  {what} p50 {latencies.Percentile(50),7:0.0} ms   p99 {latencies.Percentile(99),7:0.0} ms   ",
        $"max {latencies.Max,7:0.0} ms");

    private static string Mib(long? bytes) => bytes is { } b ? $"{b / (1024.0 * 1024):0} MiB" : "n/a";

    private static string Wal(long? syncs, double seconds) => syncs is { } s ? $", WAL flushes {s / seconds:0}/s" : string.Empty;

    /// <summary>Invariant culture throughout: the figures are pasted into the README.</summary>
    private sealed class Writer(TextWriter output)
    {
        public void Line(params FormattableString[] parts) =>
            output.WriteLine(string.Concat(parts.Select(p => p.ToString(CultureInfo.InvariantCulture))));
    }
}
