using System.Globalization;

namespace Sonia.Benchmarks.Load;

/// <summary>The figures of one <c>load</c> run and the ratio to the commit ceiling, printed as a plain-text summary.</summary>
public sealed record LoadReport(
    LoadOptions Options,
    ActionLoadResult Load,
    CpuUsage? Cpu,
    PostgresCounters? Postgres,
    string ServerSettings,
    IReadOnlyList<CeilingResult> Ceilings)
{
    public bool IsValid => Load.Tally.IsValid && Load.Tally.Succeeded > 0;

    /// <summary>The ceiling over the ledger's writer count: the connections Sonia's ledger writes go through.</summary>
    public CeilingResult FairCeiling => Ceilings.First(c => c.Connections == Options.LedgerWriters);

    public void Print(TextWriter output)
    {
        var tally = Load.Tally;
        var w = new Writer(output);
        w.Line($"Sonia load: {Load.Clients} clients, auto-run echo actions, {Load.Seconds:0.0} s measured after {Options.Warmup.TotalSeconds:0} s of warm-up, polling every {Options.PollDelay.TotalMilliseconds:0} ms{(Options.WaitMs > 0 ? $", each poll waiting up to {Options.WaitMs} ms" : string.Empty)}");
        w.Line($"  accepted     {Load.AcceptedPerSecond,9:0.0} /s   ({tally.Accepted} 202s in the window)");
        w.Line($"  completed    {Load.CompletedPerSecond,9:0.0} /s   ({tally.Succeeded} seen succeeded in the window)");
        w.Line($"  submit -> 202        p50 {tally.AcceptLatency.Percentile(50),7:0.0} ms   p99 {tally.AcceptLatency.Percentile(99),7:0.0} ms   max {tally.AcceptLatency.Max,7:0.0} ms");
        w.Line($"  submit -> terminal   p50 {tally.CompleteLatency.Percentile(50),7:0.0} ms   p99 {tally.CompleteLatency.Percentile(99),7:0.0} ms   max {tally.CompleteLatency.Max,7:0.0} ms");
        w.Line($"  polls        {tally.PollsInWindow / Load.Seconds,9:0.0} GET/s  ({(double)tally.PollsInWindow / Math.Max(1, tally.Succeeded):0.0} per completed action)");
        w.Line($"  problems     {tally.Errors.Values.Sum()} HTTP errors, {tally.FailedOutcomes.Values.Sum()} not succeeded, {tally.Unfinished} unfinished (whole run) => {(IsValid ? "valid run" : "INVALID RUN")}");
        foreach (var (what, count) in tally.Errors.Concat(tally.FailedOutcomes.Select(o => KeyValuePair.Create("ended " + o.Key, o.Value))))
        {
            w.Line($"      {count,7} x {what}");
        }

        if (Postgres is { } pg)
        {
            var perAction = Math.Max(1, tally.Succeeded);
            w.Line($"PostgreSQL during the window (its own counters, good to about a second):");
            w.Line($"  commits {pg.Commits / Load.Seconds:0}/s (reads included), rows inserted {pg.RowsInserted / Load.Seconds:0}/s, updated {pg.RowsUpdated / Load.Seconds:0}/s{Wal(pg.WalSyncs, Load.Seconds)}");
            w.Line($"  per completed action: {(double)pg.Commits / perAction:0.00} commits, {(double)pg.RowsInserted / perAction:0.00} rows inserted, {(double)pg.RowsUpdated / perAction:0.00} updated{(pg.WalSyncs is { } s ? $", {(double)s / perAction:0.00} WAL flushes" : string.Empty)}");
        }

        if (Cpu is { } cpu)
        {
            var parts = string.Join(", ", cpu.ByPart.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:0.00}"));
            // Sonia's processes are only known when this driver started them; otherwise they are in the rest.
            var rest = cpu.ByPart.ContainsKey(CpuUsage.Silo) ? "other processes" : "the rest of the machine (Sonia included)";
            w.Line($"CPU during the window, in cores of {cpu.Cores}: machine {cpu.MachineBusy:0.00} busy = {parts}, {rest} {Math.Max(0, cpu.Other):0.00}");
        }

        w.Line($"Commit ceiling: single-row INSERT + COMMIT (autocommit, prepared), {ServerSettings}");
        foreach (var ceiling in Ceilings)
        {
            w.Line($"  {ceiling.Connections,3} connection(s): {ceiling.CommitsPerSecond,9:0.0} commits/s{Wal(ceiling.WalSyncs, ceiling.Seconds)}");
        }

        w.Line($"Ratio completed actions/s / single-row commits/s:");
        foreach (var ceiling in Ceilings)
        {
            var which = ceiling.Connections == Options.LedgerWriters ? "the ledger's writer connections (the fair comparison)" : "one connection per client";
            w.Line($"  vs {ceiling.Connections,3} connection(s), {which}: {Load.CompletedPerSecond / ceiling.CommitsPerSecond:0.00}");
        }

        var ratio = Load.CompletedPerSecond / FairCeiling.CommitsPerSecond;
        w.Line($"Goal (completed actions/s >= single-row commits/s over {FairCeiling.Connections} connection(s)): {(ratio >= 1 ? "met" : "not met")} ({ratio:0.00})");
    }

    private static string Wal(long? syncs, double seconds) => syncs is { } s ? $", WAL flushes {s / seconds:0}/s" : string.Empty;

    /// <summary>Invariant culture throughout: the figures are pasted into the README.</summary>
    private sealed class Writer(TextWriter output)
    {
        public void Line(FormattableString text) => output.WriteLine(text.ToString(CultureInfo.InvariantCulture));
    }
}
