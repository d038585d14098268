using System.Text.Json;
using Orleans.Concurrency;
using Sonia.Grains.Audit;
using Sonia.Grains.Interfaces.Audit;
using Sonia.Grains.Interfaces.Releases;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Releases;

/// <inheritdoc cref="IGateRunGrain"/>
/// <remarks>
/// The audit detail is a compact JSON summary (promotable, start, finish, each gate's status by id): the gate details
/// can be long and the trail keeps at most <see cref="OperatorAuditLog.MaxDetailLength"/> characters.
/// </remarks>
[StatelessWorker]
public sealed class GateRunGrain(OperatorAuditLog audit) : Grain, IGateRunGrain
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<GateRun> RecordAsync(GateRunReport report, string actor)
    {
        var summary = new Summary(report.Promotable, report.StartedAt, report.FinishedAt,
            report.Gates.ToDictionary(g => g.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Status));
        var at = await audit.RecordAsync(OperatorOperations.PromotionGate, report.Commit, actor, JsonSerializer.Serialize(summary, Json));
        return ToRun(at, actor, report.Commit, CorrelationId.Current, summary);
    }

    public async Task<IReadOnlyList<GateRun>> ListAsync(int limit)
    {
        var entries = await audit.ReadLatestAsync(OperatorOperations.PromotionGate, limit);
        return entries.Select(e => ToRun(e.At, e.Actor, e.Target, e.CorrelationId, Parse(e.Detail))).ToList();
    }

    private static Summary Parse(string? detail) =>
        (detail is null ? null : JsonSerializer.Deserialize<Summary>(detail, Json))
        ?? throw new InvalidOperationException("a promotion-gate audit entry has no summary");

    private static GateRun ToRun(DateTimeOffset at, string actor, string commit, string? correlationId, Summary summary) =>
        new(at, actor, commit, correlationId, summary.Promotable, summary.StartedAt, summary.FinishedAt, summary.Gates);

    private sealed record Summary(bool Promotable, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, Dictionary<string, string> Gates);
}
