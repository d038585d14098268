namespace Sonia.Grains.Breakers;

/// <summary>Runs calls to a dependency inside its cluster-wide breaker. Cheap when closed: no remote call.</summary>
public interface ICircuitBreakers
{
    /// <summary>
    /// Runs <paramref name="call"/> unless the breaker of <paramref name="dependency"/> rejects it with
    /// <see cref="BreakerOpenException"/>. A thrown exception counts as a failure (except a cancellation the
    /// caller asked for); a success slower than the policy's SlowCallDuration counts as a slow call.
    /// </summary>
    ValueTask<T> ExecuteAsync<T>(string dependency, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken);

    /// <summary>This silo's cached state of <paramref name="dependency"/>, or null before its first use.</summary>
    Interfaces.Breakers.BreakerSnapshot? Cached(string dependency);
}
