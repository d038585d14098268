namespace Sonia.Gateway.Cluster;

/// <summary>
/// Ends, at once, the grain calls that were in flight when one of the gateway's silo connections closed.
/// Orleans' client does not fail a request whose connection is gone (a SIGKILLed silo never answers): left alone,
/// the caller waits for the 30 s response timeout. Here the call ends with <see cref="SiloUnavailableException"/>,
/// which the gateway answers 503 with Retry-After, as for any call the cluster cannot answer.
/// The client does not say which connection carried a call, so a closed connection ends every call in flight at that
/// moment, those sent through the silos still alive included: a 503 the client retries, rather than a 30 s hang.
/// </summary>
public sealed partial class LostConnectionGuard(ILogger<LostConnectionGuard> logger) : IClusterConnectionStatusObserver, IOutgoingGrainCallFilter
{
    private CancellationTokenSource _connections = new();

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var lost = Volatile.Read(ref _connections).Token;
        try
        {
            await context.Invoke().WaitAsync(lost);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            throw new SiloUnavailableException(
                $"the connection to a silo closed while {context.InterfaceName}.{context.MethodName} was in flight; its answer may never come");
        }
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            ConnectionLost(currentNumberOfGateways);
        }
    }

    public void NotifyClusterConnectionLost() => ConnectionLost(0);

    private void ConnectionLost(int connected)
    {
        // Calls started from now on get the fresh token; those already in flight hold the one cancelled here.
        var previous = Interlocked.Exchange(ref _connections, new CancellationTokenSource());
        LogConnectionLost(logger, connected);
        // Not disposed: a call starting right now may still read its Token (a disposed source throws there); it holds no timer.
        previous.Cancel();
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "A silo connection closed ({Connected} left): grain calls in flight are answered 503 now instead of after the response timeout")]
    private static partial void LogConnectionLost(ILogger logger, int connected);
}
