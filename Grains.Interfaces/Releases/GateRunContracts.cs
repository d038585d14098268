namespace Sonia.Grains.Interfaces.Releases;

/// <summary>One gate of deploy/promotion-gate.sh as the script reports it: pass, fail or skipped.</summary>
[GenerateSerializer, Immutable, Alias("sonia.gate-result")]
public sealed record class GateResult(
    [property: Id(0)] int Id,
    [property: Id(1)] string Name,
    [property: Id(2)] bool Blocking,
    [property: Id(3)] string Status,
    [property: Id(4)] string? Detail);

/// <summary>A promotion-gate run as the script reports it (its --json report).</summary>
[GenerateSerializer, Immutable, Alias("sonia.gate-run-report")]
public sealed record class GateRunReport(
    [property: Id(0)] bool Promotable,
    [property: Id(1)] string Commit,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] DateTimeOffset FinishedAt,
    [property: Id(4)] IReadOnlyList<GateResult> Gates);

/// <summary>A run as the audit trail keeps it: who recorded it, when, the commit and each gate's status by id.</summary>
[GenerateSerializer, Immutable, Alias("sonia.gate-run")]
public sealed record class GateRun(
    [property: Id(0)] DateTimeOffset RecordedAt,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Commit,
    [property: Id(3)] string? CorrelationId,
    [property: Id(4)] bool Promotable,
    [property: Id(5)] DateTimeOffset StartedAt,
    [property: Id(6)] DateTimeOffset FinishedAt,
    [property: Id(7)] IReadOnlyDictionary<string, string> Gates);

/// <summary>The statuses a gate can report.</summary>
public static class GateStatuses
{
    public const string Pass = "pass";
    public const string Fail = "fail";
    public const string Skipped = "skipped";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Pass, Fail, Skipped };
}
