namespace Sonia.Grains.Interfaces.Health;

/// <summary>The outcome of one health check across the cluster.</summary>
[GenerateSerializer, Immutable, Alias("sonia.health-report")]
public sealed record class HealthReport(
    [property: Id(0)] bool Healthy,
    [property: Id(1)] DateTimeOffset CheckedAt,
    [property: Id(2)] IReadOnlyList<SiloHealth> Silos,
    [property: Id(3)] ComponentHealth Database)
{
    /// <summary>Set by the gateway when the cluster itself could not be asked: a short reason, never exception text.</summary>
    [Id(4)]
    public string? ClusterError { get; init; }

    /// <summary>How old the result was when it was served, in seconds; checks run in the background on an interval.</summary>
    [Id(5)]
    public double AgeSeconds { get; init; }

    /// <summary>
    /// <c>healthy</c>, <c>degraded</c> (serving, something needs a look) or <c>unhealthy</c>; <see cref="Healthy"/> is
    /// "not unhealthy".
    /// </summary>
    [Id(6)]
    public string Status { get; init; } = HealthStatuses.Healthy;

    /// <summary>Every check of the latest run, each with its status, the reasons behind it and its figures.</summary>
    [Id(7)]
    public IReadOnlyList<HealthCheck> Checks { get; init; } = [];
}

/// <summary>One silo as the membership table sees it.</summary>
[GenerateSerializer, Immutable, Alias("sonia.silo-health")]
public sealed record class SiloHealth(
    [property: Id(0)] string Address,
    [property: Id(1)] string Name,
    [property: Id(2)] string Status);

/// <summary>A dependency probed by a real call; <see cref="Error"/> is a short reason, the detail is in the silo's log.</summary>
[GenerateSerializer, Immutable, Alias("sonia.component-health")]
public sealed record class ComponentHealth(
    [property: Id(0)] string Name,
    [property: Id(1)] bool Healthy,
    [property: Id(2)] double LatencyMs,
    [property: Id(3)] string? Error);
