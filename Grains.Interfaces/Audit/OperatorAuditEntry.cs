namespace Sonia.Grains.Interfaces.Audit;

/// <summary>One thing an operator did: who, when, what (<see cref="OperatorOperations"/>), to what, under which correlation id.</summary>
[GenerateSerializer, Immutable, Alias("sonia.operator-audit-entry")]
public sealed record class OperatorAuditEntry(
    [property: Id(0)] long AuditId,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Operation,
    [property: Id(4)] string Target,
    [property: Id(5)] string? CorrelationId,
    [property: Id(6)] string? Detail);

/// <summary>The operations recorded in <c>sonia.operator_audit</c>; stored as text, so never rename one.</summary>
public static class OperatorOperations
{
    public const string BreakerIsolate = "breaker.isolate";
    public const string BreakerReset = "breaker.reset";
    public const string DeadLetterReplay = "dlq.replay";
    public const string DeadLetterDiscard = "dlq.discard";
    public const string BackupCreate = "backup.create";
    public const string BackupVerify = "backup.verify";
    public const string BackupRestore = "backup.restore";
    public const string BackupDelete = "backup.delete";
    public const string PromotionGate = "release.promotion_gate";
}
