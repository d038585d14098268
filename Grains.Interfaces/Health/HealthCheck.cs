namespace Sonia.Grains.Interfaces.Health;

/// <summary>
/// One part of the cluster as the health supervisor last saw it: its status, one sentence per thing a person can act
/// on (what is wrong, since when, what happens next), and the figures it was judged on.
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.health-check")]
public sealed record class HealthCheck(
    [property: Id(0)] string Name,
    [property: Id(1)] string Status,
    [property: Id(2)] IReadOnlyList<string> Reasons,
    [property: Id(3)] IReadOnlyDictionary<string, double> Figures);

/// <summary>The three health statuses, sent as these exact strings, and how they combine.</summary>
public static class HealthStatuses
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";

    /// <summary>The worst of <paramref name="statuses"/>; <see cref="Healthy"/> when there are none.</summary>
    public static string Worst(IEnumerable<string> statuses) =>
        statuses.MaxBy(Rank) is { } worst && Rank(worst) > 0 ? worst : Healthy;

    private static int Rank(string status) => status switch
    {
        Unhealthy => 2,
        Degraded => 1,
        _ => 0,
    };
}
