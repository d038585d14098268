using Microsoft.Extensions.Logging;

namespace Sonia.Grains.Breakers;

/// <summary>
/// Once the silo is active: sends counted outcomes every <see cref="BreakersOptions.FlushInterval"/> and renews
/// subscriptions every <see cref="BreakersOptions.RefreshInterval"/>; flushes one last time when the silo stops.
/// </summary>
public sealed partial class BreakerFlushService(
    CircuitBreakers breakers,
    BreakersOptions options,
    TimeProvider time,
    ILogger<BreakerFlushService> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(BreakerFlushService), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await FlushQuietlyAsync();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.FlushInterval, time);
        var lastRefresh = time.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await FlushQuietlyAsync();
                if (time.GetElapsedTime(lastRefresh) >= options.RefreshInterval)
                {
                    lastRefresh = time.GetTimestamp();
                    try
                    {
                        await breakers.RefreshAsync();
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        LogRefreshFailed(logger, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The silo is stopping: StopAsync sends the last batch.
        }
    }

    private async Task FlushQuietlyAsync()
    {
        try
        {
            await breakers.FlushAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The counts stay queued in CircuitBreakers and go with the next flush.
            LogFlushFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send breaker outcomes; they will be sent with the next batch")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh breaker subscriptions")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
