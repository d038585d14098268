using Sonia.Grains.Breakers;
using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Benchmarks.Breakers;

/// <summary>
/// An <see cref="IBreakerChannel"/> that hosts one real <see cref="BreakerStateMachine"/> per dependency (the
/// same decision code <see cref="CircuitBreakerGrain"/> runs) under a lock, in this process. With it, what a
/// benchmark measures is the real gate and the real machine minus the network hop to the grain. (Nor does it
/// keep the grain's per-minute metric series or write its state: both happen in the grain, off the caller's path.)
/// </summary>
public sealed class InProcessBreakerChannel(BreakersOptions options, TimeProvider time) : IBreakerChannel
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, BreakerStateMachine?> _machines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IBreakerObserver>> _observers = new(StringComparer.Ordinal);

    public Task<BreakerSnapshot?> GetAsync(string dependency)
    {
        lock (_lock)
        {
            return Task.FromResult(Machine(dependency)?.Snapshot());
        }
    }

    public Task<BreakerSnapshot?> ReportAsync(string dependency, OutcomeCounts outcomes) =>
        Decide(dependency, machine => machine.Record(outcomes));

    public async Task<ProbePermit> TryAcquireProbeAsync(string dependency)
    {
        var granted = false;
        var snapshot = await Decide(dependency, machine =>
        {
            (granted, var transition) = machine.TryAcquireProbe();
            return transition;
        });
        return new ProbePermit(granted, snapshot);
    }

    public Task<BreakerSnapshot?> ReportProbeAsync(string dependency, bool success) =>
        Decide(dependency, machine => machine.RecordProbe(success));

    public Task SubscribeAsync(string dependency, IBreakerObserver observer)
    {
        lock (_lock)
        {
            if (!_observers.TryGetValue(dependency, out var observers))
            {
                _observers[dependency] = observers = [];
            }

            if (!observers.Contains(observer))
            {
                observers.Add(observer);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs one decision under the lock; on a transition, pushes the new snapshot to the subscribers.</summary>
    private async Task<BreakerSnapshot?> Decide(string dependency, Func<BreakerStateMachine, BreakerTransition?> decide)
    {
        BreakerSnapshot snapshot;
        IBreakerObserver[] notify;
        lock (_lock)
        {
            if (Machine(dependency) is not { } machine)
            {
                return null;
            }

            var transition = decide(machine);
            snapshot = machine.Snapshot();
            notify = transition is not null && _observers.TryGetValue(dependency, out var observers) ? [.. observers] : [];
        }

        foreach (var observer in notify)
        {
            await observer.OnChangedAsync(snapshot);
        }

        return snapshot;
    }

    /// <summary>The machine of <paramref name="dependency"/>, created on first use; null for an unknown name (as the grain).</summary>
    private BreakerStateMachine? Machine(string dependency)
    {
        if (!_machines.TryGetValue(dependency, out var machine))
        {
            machine = options.PolicyFor(dependency) is { } policy
                ? new BreakerStateMachine(dependency, policy, new BreakerMachineState { Since = time.GetUtcNow() }, time)
                : null;
            _machines[dependency] = machine;
        }

        return machine;
    }
}
