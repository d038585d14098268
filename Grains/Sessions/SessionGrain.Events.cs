using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Grains.Sessions;

/// <summary>
/// Subscribers and what they are told. Like Orleans' ObserverManager: a subscription lapses unless renewed within
/// <see cref="SessionOptions.ObserverExpiry"/>, and an observer that cannot be reached is dropped. Subscriptions live in
/// the activation only; subscribers renew every minute, which also re-creates them after a move.
/// </summary>
public sealed partial class SessionGrain
{
    private readonly Dictionary<ISessionObserver, DateTimeOffset> _observers = [];

    /// <summary>The <see cref="SessionEvent.Sequence"/> of the last event published by this activation.</summary>
    private long _sequence;

    public Task SubscribeAsync(ISessionObserver observer)
    {
        _observers[observer] = time.GetUtcNow();
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(ISessionObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    public async Task ActionEndedAsync(ActionView action)
    {
        if (state.State.CreatedAt is null || !ActionStatuses.IsTerminal(action.Status))
        {
            return;
        }

        // An action a turn proposed is reported under that turn; one submitted directly with this session's id, under none.
        var proposed = state.State.Pending.Remove(action.ActionId, out var pending);
        var payload = new JsonObject { ["action_id"] = action.ActionId, ["tool"] = action.Tool, ["status"] = action.Status };
        if (action.Result is { } result)
        {
            payload["result"] = ParseOrText(result);
        }

        if (action.Error is { } error)
        {
            payload["error"] = error;
        }

        Publish(new SessionEvent(SessionEventTypes.ActionResult, SessionId, pending?.TurnId ?? string.Empty,
            pending?.CorrelationId ?? action.CorrelationId, payload.ToJsonString()));
        if (!proposed)
        {
            return;
        }

        // The turn's history shows how its actions ended, not how they stood when it was answered.
        var turns = state.State.Turns;
        var index = turns.FindIndex(t => t.TurnId == pending!.TurnId);
        if (index >= 0)
        {
            turns[index] = turns[index] with
            {
                Actions = turns[index].Actions
                    .Select(a => a.ActionId == action.ActionId ? a with { Status = action.Status, ArgsHash = null } : a)
                    .ToList(),
            };
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nobody waits on this one-way call: the event went out; the history catches up with the next write.
            LogHistoryNotUpdated(logger, SessionId, action.ActionId, ex);
        }
    }

    private void Publish(string type, Turn turn, JsonObject payload) =>
        Publish(new SessionEvent(type, SessionId, turn.TurnId, turn.CorrelationId, payload.ToJsonString()));

    private void Publish(SessionEvent e)
    {
        if (_observers.Count == 0)
        {
            return;
        }

        e = e with { Sequence = ++_sequence };
        var now = time.GetUtcNow();
        foreach (var (observer, renewed) in _observers.ToList())
        {
            if (now - renewed > options.ObserverExpiry)
            {
                _observers.Remove(observer);
                continue;
            }

            try
            {
                observer.OnEvent(e);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _observers.Remove(observer);
                LogObserverDropped(logger, SessionId, ex);
            }
        }
    }

    private static JsonNode? ParseOrText(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Session {SessionId}: the end of action {ActionId} is not in its stored history yet")]
    private static partial void LogHistoryNotUpdated(ILogger logger, string sessionId, string actionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: an observer could not be reached and was dropped")]
    private static partial void LogObserverDropped(ILogger logger, string sessionId, Exception exception);
}
