using Microsoft.Extensions.Logging;
using Orleans.Utilities;
using Sonia.Grains.Audit;
using Sonia.Grains.Interfaces.Audit;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Storage;
using Sonia.Grains.Telemetry;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Breakers;

/// <inheritdoc cref="ICircuitBreakerGrain"/>
public sealed partial class CircuitBreakerGrain(
    [PersistentState(stateName: "breaker", storageName: SoniaStorage.Name)] IPersistentState<CircuitBreakerState> state,
    BreakersOptions options,
    OperatorAuditLog audit,
    TimeProvider time,
    ILogger<CircuitBreakerGrain> logger) : Grain, ICircuitBreakerGrain
{
    private static readonly TimeSpan MetricsFlushPeriod = TimeSpan.FromSeconds(10);

    private readonly ObserverManager<IBreakerObserver> _observers = new(options.RefreshInterval * 3, logger);
    private BreakerStateMachine? _machine;
    private bool _metricsDirty;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var name = this.GetPrimaryKeyString();
        if (options.PolicyFor(name) is not { } policy)
        {
            return;
        }

        _machine = new BreakerStateMachine(name, policy, state.State.Machine, time);
        if (!state.RecordExists)
        {
            // Written once, so "closed since" means since the breaker first existed, not since its last activation.
            state.State.Machine.Since = time.GetUtcNow();
            await state.WriteStateAsync(cancellationToken);
        }

        this.RegisterGrainTimer(FlushMetricsAsync, MetricsFlushPeriod, MetricsFlushPeriod);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushMetricsAsync(cancellationToken);
    }

    public Task<BreakerSnapshot?> GetAsync() => Task.FromResult(_machine?.Snapshot());

    public Task<BreakerDetail?> GetDetailAsync(int minutes)
    {
        if (_machine is null)
        {
            return Task.FromResult<BreakerDetail?>(null);
        }

        var now = time.GetUtcNow();
        var from = now - TimeSpan.FromMinutes(minutes);
        return Task.FromResult<BreakerDetail?>(new BreakerDetail(
            _machine.Snapshot(),
            MetricSeries.Last(state.State, now, minutes),
            state.State.Transitions.Where(t => t.At >= from).ToList(),
            state.State.ManualActions.Where(a => a.At >= from).ToList()));
    }

    public async Task<BreakerSnapshot?> ReportAsync(OutcomeCounts outcomes)
    {
        if (_machine is null)
        {
            return null;
        }

        MetricSeries.Add(state.State, outcomes);
        _metricsDirty = true;
        await ApplyAsync(_machine.Record(outcomes));
        return _machine.Snapshot();
    }

    public async Task<ProbePermit> TryAcquireProbeAsync()
    {
        if (_machine is null)
        {
            return new ProbePermit(false, null);
        }

        var (granted, transition) = _machine.TryAcquireProbe();
        await ApplyAsync(transition);
        return new ProbePermit(granted, _machine.Snapshot());
    }

    public async Task<BreakerSnapshot?> ReportProbeAsync(bool success)
    {
        if (_machine is null)
        {
            return null;
        }

        MetricSeries.Add(state.State, new OutcomeCounts(time.GetUtcNow(), success ? 1 : 0, success ? 0 : 1, 0, 0));
        _metricsDirty = true;
        await ApplyAsync(_machine.RecordProbe(success));
        return _machine.Snapshot();
    }

    public Task<BreakerSnapshot?> IsolateAsync(string actor, string? reason) =>
        ManualAsync(OperatorOperations.BreakerIsolate, actor, reason, m => m.Isolate($"isolated by {actor}"));

    public Task<BreakerSnapshot?> ResetAsync(string actor, string? reason) =>
        ManualAsync(OperatorOperations.BreakerReset, actor, reason, m => m.Reset($"reset by {actor}"));

    public Task SubscribeAsync(IBreakerObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    private async Task<BreakerSnapshot?> ManualAsync(string operation, string actor, string? reason, Func<BreakerStateMachine, BreakerTransition?> change)
    {
        if (_machine is null)
        {
            return null;
        }

        var correlationId = CorrelationId.Current ?? CorrelationId.NewSystemId();
        var verb = operation[(operation.IndexOf('.', StringComparison.Ordinal) + 1)..];
        state.State.ManualActions.Add(new BreakerManualAction(time.GetUtcNow(), verb, actor, correlationId, reason));
        LogManual(logger, this.GetPrimaryKeyString(), verb, actor);
        await ApplyAsync(change(_machine), forceWrite: true);
        var snapshot = _machine.Snapshot();
        await audit.RecordAsync(operation, this.GetPrimaryKeyString(), actor, $"{snapshot.State}{(reason is null ? "" : $": {reason}")}");
        return snapshot;
    }

    /// <summary>A transition is written before anyone hears of it: an open breaker stays open across restarts.</summary>
    private async Task ApplyAsync(BreakerTransition? transition, bool forceWrite = false)
    {
        if (transition is null && !forceWrite)
        {
            return;
        }

        if (transition is not null)
        {
            state.State.Transitions.Add(transition);
            LogTransition(logger, this.GetPrimaryKeyString(), transition.From, transition.To, transition.Reason);
            SoniaMetrics.BreakerMoved(this.GetPrimaryKeyString(), transition.To);
        }

        MetricSeries.Prune(state.State, time.GetUtcNow());
        await state.WriteStateAsync();
        _metricsDirty = false;
        var snapshot = _machine!.Snapshot();
        await _observers.Notify(o => o.OnChangedAsync(snapshot));
    }

    private async Task FlushMetricsAsync(CancellationToken cancellationToken)
    {
        if (!_metricsDirty)
        {
            return;
        }

        MetricSeries.Prune(state.State, time.GetUtcNow());
        await state.WriteStateAsync(cancellationToken);
        _metricsDirty = false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Breaker {Breaker} moved {From} -> {To}: {Reason}")]
    private static partial void LogTransition(ILogger logger, string breaker, BreakerState from, BreakerState to, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Breaker {Breaker}: {Action} by {Actor}")]
    private static partial void LogManual(ILogger logger, string breaker, string action, string actor);
}
