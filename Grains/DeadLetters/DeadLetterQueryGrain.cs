using Orleans.Concurrency;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.DeadLetters;

namespace Sonia.Grains.DeadLetters;

/// <inheritdoc cref="IDeadLetterQueryGrain"/>
[StatelessWorker]
public sealed class DeadLetterQueryGrain(DeadLetterReader reader, ActionsOptions actions, TimeProvider time) : Grain, IDeadLetterQueryGrain
{
    public const int MaxPage = 500;

    /// <summary>A batch reads the queue this many records per query.</summary>
    public const int BatchPage = 1000;

    /// <summary>A preview lists at most this many verdicts (oldest first); its counts and skip reasons cover every record.</summary>
    public const int MaxPreviewVerdicts = 1000;

    public Task<IReadOnlyList<DeadLetterView>> ListAsync(DeadLetterQuery query) =>
        reader.ListAsync(query with { LastN = Math.Clamp(query.LastN, 1, MaxPage) });

    public Task<IReadOnlyDictionary<string, int>> CountsAsync() => reader.CountsAsync();

    /// <remarks>
    /// Set-based: the queue is read a page of <see cref="BatchPage"/> at a time and judged in memory, each breaker read
    /// once a page. (It used to cost a grain call and a query per record, and ten thousand records outran the call timeout.)
    /// </remarks>
    public async Task<ReplayBatchPreview> PreviewAsync(ReplayBatchSpec spec)
    {
        // Judged page by page: memory holds the verdicts, never the whole queue's payloads.
        var now = time.GetUtcNow();
        var verdicts = new List<ReplayVerdict>();
        ReplayCursor? after = null;
        while (true)
        {
            var page = await reader.PageAsync(spec, after, until: null, resolvedSince: null, BatchPage);
            var judge = await ReplayVerdicts.ForAsync(GrainFactory, actions, page.Select(r => r.Tool), now);
            verdicts.AddRange(page.Select(judge.Judge));
            if (page.Count < BatchPage)
            {
                break;
            }

            after = new ReplayCursor(page[^1].CreatedAt, page[^1].DlqId);
        }

        var would = verdicts.Count(v => v.WouldReplay);
        var reasons = verdicts.SelectMany(v => v.Reasons)
            .GroupBy(r => r, StringComparer.Ordinal)
            .Select(g => new ReplaySkipReason(g.Key, g.Count()))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Reason, StringComparer.Ordinal)
            .ToList();
        return new ReplayBatchPreview(verdicts.Count, would, verdicts.Count - would, verdicts.Take(MaxPreviewVerdicts).ToList(), reasons);
    }
}
