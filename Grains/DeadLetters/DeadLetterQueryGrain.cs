using Orleans.Concurrency;
using Sonia.Grains.Interfaces.DeadLetters;

namespace Sonia.Grains.DeadLetters;

/// <inheritdoc cref="IDeadLetterQueryGrain"/>
[StatelessWorker]
public sealed class DeadLetterQueryGrain(DeadLetterReader reader) : Grain, IDeadLetterQueryGrain
{
    public const int MaxPage = 500;

    /// <summary>A batch replay takes at most this many records; narrow the filters for more.</summary>
    public const int MaxBatch = 1000;

    public Task<IReadOnlyList<DeadLetterView>> ListAsync(DeadLetterQuery query) =>
        reader.ListAsync(query with { LastN = Math.Clamp(query.LastN, 1, MaxPage) });

    public Task<IReadOnlyDictionary<string, int>> CountsAsync() => reader.CountsAsync();

    public async Task<ReplayBatchPreview> PreviewAsync(ReplayBatchSpec spec)
    {
        var records = await SelectAsync(reader, spec);
        var verdicts = new List<ReplayVerdict>(records.Count);
        foreach (var record in records)
        {
            var result = await GrainFactory.GetGrain<IDeadLetterGrain>(record.DlqId).ReplayAsync(dryRun: true, spec.Actor);
            verdicts.Add(result.Verdict ?? new ReplayVerdict(record.DlqId, false, ["not found"]));
        }

        var would = verdicts.Count(v => v.WouldReplay);
        return new ReplayBatchPreview(verdicts.Count, would, verdicts.Count - would, verdicts);
    }

    /// <summary>The unresolved records a batch takes, oldest first (the order they failed in).</summary>
    public static async Task<IReadOnlyList<DeadLetterView>> SelectAsync(DeadLetterReader reader, ReplayBatchSpec spec)
    {
        var records = await reader.ListAsync(new DeadLetterQuery(DeadLetterStatuses.Unresolved, spec.FailureClass, spec.Tool, spec.Since, MaxBatch, spec.Ids));
        return records.OrderBy(r => r.CreatedAt).ThenBy(r => r.DlqId, StringComparer.Ordinal).ToList();
    }
}
