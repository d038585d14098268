using System.Text.Json;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Hosting.Logging;

namespace Sonia.Gateway.Streaming;

/// <summary>
/// A socket's subscription to its session's events: an observer reference made with
/// <see cref="IGrainFactory.CreateObjectReference{TGrainObserverInterface}"/>, renewed every
/// <see cref="StreamOptions.ResubscribeInterval"/> (the session forgets observers that stop renewing, and a session
/// reactivated on another silo after a crash knows none), unsubscribed and released when the socket closes.
/// </summary>
public sealed class SessionSubscription : IAsyncDisposable
{
    private readonly StreamServices _services;
    private readonly ISessionGrain _session;
    private readonly Observer _observer;
    private readonly ISessionObserver _reference;
    private readonly string _correlationId;

    private SessionSubscription(StreamServices services, string sessionId, StreamOutbox outbox, string correlationId)
    {
        _services = services;
        _session = services.Cluster.GetGrain<ISessionGrain>(sessionId);
        _observer = new Observer(sessionId, new EventOrder(f => outbox.Post(f), services.Options.EventOrderWindow, services.Time),
            services.Logger, correlationId);
        _reference = services.Cluster.CreateObjectReference<ISessionObserver>(_observer);
        _correlationId = correlationId;
    }

    public static async Task<SessionSubscription> StartAsync(
        StreamServices services, string sessionId, StreamOutbox outbox, string correlationId)
    {
        var subscription = new SessionSubscription(services, sessionId, outbox, correlationId);
        try
        {
            await subscription._session.SubscribeAsync(subscription._reference);
            return subscription;
        }
        catch
        {
            services.Cluster.DeleteObjectReference<ISessionObserver>(subscription._reference);
            subscription._observer.Order.Dispose();
            throw;
        }
    }

    /// <summary>Renews the subscription until <paramref name="stopping"/>; a failed renewal is logged and tried again next tick.</summary>
    public async Task RenewLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_services.Options.ResubscribeInterval, _services.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await _session.SubscribeAsync(_reference);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    using (StreamLog.Scope(_services.Logger, LogKinds.Error, _correlationId))
                    {
                        StreamLog.ResubscribeFailed(_services.Logger, _observer.SessionId, ex.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The socket closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _session.UnsubscribeAsync(_reference).WaitAsync(_services.Options.CloseTimeout, _services.Time);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The subscription lapses on its own when it is not renewed; nothing is left waiting on this socket.
        }
        finally
        {
            _services.Cluster.DeleteObjectReference<ISessionObserver>(_reference);
            _observer.Order.Dispose();
        }
    }

    /// <summary>Turns each event into its frame and queues it, in the session's order; never blocks the grain that publishes.</summary>
    private sealed class Observer(string sessionId, EventOrder order, ILogger logger, string correlationId) : ISessionObserver
    {
        public string SessionId { get; } = sessionId;

        public EventOrder Order { get; } = order;

        public void OnEvent(SessionEvent e)
        {
            if (e.SessionId != SessionId)
            {
                return;
            }

            byte[] frame;
            try
            {
                frame = ServerFrames.From(e);
            }
            catch (JsonException ex)
            {
                using (StreamLog.Scope(logger, LogKinds.Error, e.CorrelationId ?? correlationId))
                {
                    StreamLog.BadEvent(logger, SessionId, ex.Message);
                }

                return;
            }

            Order.Add(e.Sequence, frame);
        }
    }
}
