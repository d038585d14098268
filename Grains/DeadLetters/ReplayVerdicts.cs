using System.Text.Json;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Interfaces.DeadLetters;

namespace Sonia.Grains.DeadLetters;

/// <summary>
/// Whether a record would be replayed, judged in memory: the record, the tool registry and the breakers' states.
/// One judge serves one record and ten thousand alike, so a batch dry run costs one breaker read per breaker, not
/// one grain call and one query per record.
/// </summary>
public sealed class ReplayVerdicts(ActionsOptions actions, IReadOnlyDictionary<string, string?> breakerProblems)
{
    /// <summary>A judge for records of <paramref name="tools"/>: reads each of their breakers once.</summary>
    public static async Task<ReplayVerdicts> ForAsync(IGrainFactory grains, ActionsOptions actions, IEnumerable<string> tools, DateTimeOffset now)
    {
        var problems = new Dictionary<string, string?>(StringComparer.Ordinal);
        var breakers = tools.Distinct(StringComparer.Ordinal)
            .Select(t => actions.Tools.TryGetValue(t, out var tool) ? tool.BreakerName : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
        foreach (var name in breakers)
        {
            var breaker = await grains.GetGrain<ICircuitBreakerGrain>(name).GetAsync();
            var blocked = breaker is { State: BreakerState.Isolated }
                || (breaker is { State: BreakerState.Open, OpenUntil: { } until } && until > now);
            problems[name] = blocked ? $"breaker '{name}' is {breaker!.State.ToString().ToLowerInvariant()}" : null;
        }

        return new ReplayVerdicts(actions, problems);
    }

    public ReplayVerdict Judge(DeadLetterView record)
    {
        var reasons = new List<string>();
        if (record.Status == DeadLetterStatuses.Replayed)
        {
            reasons.Add($"already replayed as {record.ReplayActionId}");
        }
        else if (record.Status == DeadLetterStatuses.Discarded)
        {
            reasons.Add("discarded");
        }

        if (!actions.Tools.TryGetValue(record.Tool, out var tool))
        {
            reasons.Add($"tool '{record.Tool}' is no longer registered");
            return new ReplayVerdict(record.DlqId, false, reasons);
        }

        using (var args = JsonDocument.Parse(record.Args))
        {
            reasons.AddRange(tool.Problems(args.RootElement).Select(p => $"args no longer valid: {p}"));
        }

        if (breakerProblems.TryGetValue(tool.BreakerName, out var breaker) && breaker is not null)
        {
            reasons.Add(breaker);
        }

        return new ReplayVerdict(record.DlqId, reasons.Count == 0, reasons);
    }
}
