using System.Collections.Concurrent;
using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Grains.Breakers;

/// <summary>
/// A silo's view of every breaker: the last snapshot each grain pushed (or returned), and outcome counters
/// sent to the grains in batches by <see cref="FlushAsync"/>. Closed and open decisions are read from the
/// cached snapshot; only half-open probes ask the grain, which keeps every decision.
/// </summary>
public sealed class CircuitBreakers(BreakersOptions options, IBreakerChannel channel, TimeProvider time)
    : ICircuitBreakers, IBreakerObserver
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async ValueTask<T> ExecuteAsync<T>(string dependency, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        var entry = EntryFor(dependency);
        var snapshot = entry.Snapshot ?? await LoadAsync(entry);
        switch (snapshot.State)
        {
            case BreakerState.Closed:
                return await RunCountedAsync(entry, call, cancellationToken);

            case BreakerState.Open when snapshot.OpenUntil is { } until && time.GetUtcNow() < until:
            case BreakerState.Isolated:
                Interlocked.Increment(ref entry.Rejections);
                throw new BreakerOpenException(dependency, snapshot.State, snapshot.OpenUntil);

            // Open past its break, or half-open: only the grain may hand out the few probe permits.
            default:
                return await RunProbeAsync(entry, call, cancellationToken);
        }
    }

    /// <summary>The cached state of <paramref name="dependency"/>, or null before its first use.</summary>
    public BreakerSnapshot? Cached(string dependency) => _entries.TryGetValue(dependency, out var entry) ? entry.Snapshot : null;

    /// <summary>Sends every non-empty batch of counted outcomes to its breaker.</summary>
    public async Task FlushAsync()
    {
        foreach (var entry in _entries.Values)
        {
            var outcomes = new OutcomeCounts(
                time.GetUtcNow(),
                Interlocked.Exchange(ref entry.Successes, 0),
                Interlocked.Exchange(ref entry.Failures, 0),
                Interlocked.Exchange(ref entry.SlowCalls, 0),
                Interlocked.Exchange(ref entry.Rejections, 0));
            if (outcomes.IsEmpty)
            {
                continue;
            }

            try
            {
                Update(entry, await channel.ReportAsync(entry.Name, outcomes));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Put the counts back: they are sent with the next batch instead of being lost.
                Interlocked.Add(ref entry.Successes, outcomes.Successes);
                Interlocked.Add(ref entry.Failures, outcomes.Failures);
                Interlocked.Add(ref entry.SlowCalls, outcomes.SlowCalls);
                Interlocked.Add(ref entry.Rejections, outcomes.Rejections);
                throw;
            }
        }
    }

    /// <summary>Renews the subscription to every breaker in use and re-reads its state.</summary>
    public async Task RefreshAsync()
    {
        foreach (var entry in _entries.Values)
        {
            await channel.SubscribeAsync(entry.Name, this);
            Update(entry, await channel.GetAsync(entry.Name));
        }
    }

    public Task OnChangedAsync(BreakerSnapshot snapshot)
    {
        if (_entries.TryGetValue(snapshot.Name, out var entry))
        {
            Update(entry, snapshot);
        }

        return Task.CompletedTask;
    }

    private Entry EntryFor(string dependency)
    {
        if (_entries.TryGetValue(dependency, out var entry))
        {
            return entry;
        }

        var policy = options.PolicyFor(dependency)
            ?? throw new ArgumentException($"'{dependency}' is not a configured dependency (Sonia:Breakers:Dependencies).", nameof(dependency));
        return _entries.GetOrAdd(dependency, static (name, p) => new Entry(name, p), policy);
    }

    private async Task<BreakerSnapshot> LoadAsync(Entry entry)
    {
        await channel.SubscribeAsync(entry.Name, this);
        var snapshot = await channel.GetAsync(entry.Name)
            ?? throw new InvalidOperationException($"the breaker of '{entry.Name}' does not know its dependency: silos disagree on Sonia:Breakers.");
        Update(entry, snapshot);
        return entry.Snapshot!;
    }

    private async ValueTask<T> RunCountedAsync<T>(Entry entry, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        T result;
        try
        {
            result = await call(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up: says nothing about the dependency.
            throw;
        }
        catch (Exception ex) when (ex is IDoesNotTripBreaker)
        {
            Interlocked.Increment(ref entry.Successes);
            throw;
        }
        catch
        {
            Interlocked.Increment(ref entry.Failures);
            throw;
        }

        if (entry.Policy.SlowCallDuration is { } slow && time.GetElapsedTime(started) >= slow)
        {
            Interlocked.Increment(ref entry.SlowCalls);
        }
        else
        {
            Interlocked.Increment(ref entry.Successes);
        }

        return result;
    }

    private async ValueTask<T> RunProbeAsync<T>(Entry entry, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        var permit = await channel.TryAcquireProbeAsync(entry.Name);
        Update(entry, permit.Breaker);
        if (!permit.Granted)
        {
            Interlocked.Increment(ref entry.Rejections);
            var snapshot = entry.Snapshot;
            throw new BreakerOpenException(entry.Name, snapshot?.State ?? BreakerState.Open, snapshot?.OpenUntil);
        }

        var started = time.GetTimestamp();
        T result;
        try
        {
            result = await call(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Hand the permit back as a failure so the breaker is not left waiting for it.
            Update(entry, await channel.ReportProbeAsync(entry.Name, success: false));
            throw;
        }
        catch (Exception ex)
        {
            Update(entry, await channel.ReportProbeAsync(entry.Name, success: ex is IDoesNotTripBreaker));
            throw;
        }

        var slow = entry.Policy.SlowCallDuration is { } limit && time.GetElapsedTime(started) >= limit && entry.Policy.SlowCallsAreFailures;
        Update(entry, await channel.ReportProbeAsync(entry.Name, success: !slow));
        return result;
    }

    private static void Update(Entry entry, BreakerSnapshot? snapshot)
    {
        // Pushes and replies can arrive out of order: the higher version wins.
        while (snapshot is not null)
        {
            var current = entry.Snapshot;
            if (current is not null && current.Version > snapshot.Version)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref entry.Snapshot, snapshot, current) == current)
            {
                return;
            }
        }
    }

    private sealed class Entry(string name, BreakerPolicy policy)
    {
        public readonly string Name = name;
        public readonly BreakerPolicy Policy = policy;
        public BreakerSnapshot? Snapshot;
        public long Successes;
        public long Failures;
        public long SlowCalls;
        public long Rejections;
    }
}
