namespace Sonia.Grains.Sessions;

/// <summary>What a session keeps across activations; stored as JSON in grain storage.</summary>
[GenerateSerializer, Alias("sonia.session-state")]
public sealed record class SessionState
{
    [Id(0)] public DateTimeOffset? CreatedAt { get; set; }

    [Id(1)] public string CorrelationId { get; set; } = string.Empty;

    [Id(2)] public int TurnCount { get; set; }
}
