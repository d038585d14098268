using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Conversations.Memory;
using Sonia.Grains.Conversations.Routing;
using Sonia.Grains.Correlation;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Hosting.Correlation;
using Sonia.Hosting.Logging;

namespace Sonia.Grains.Sessions;

/// <summary>
/// The turn pipeline: memory search → router → each tool call an action → the turn recorded. Memory and router run
/// inside their breakers with timeouts; when either fails the turn degrades (no memories, a fallback answer) and
/// still completes. One correlation id for the whole turn, in RequestContext for every call it makes.
/// </summary>
public sealed partial class SessionGrain
{
    public async Task<TurnResult> RunTurnAsync(TurnRequest request)
    {
        if (state.State.CreatedAt is null)
        {
            throw new InvalidOperationException($"session {SessionId} was never opened");
        }

        var text = request.Text?.Trim() ?? string.Empty;
        if (text.Length == 0 || request.Text!.Length > TurnLimits.MaxTextLength)
        {
            throw new ArgumentException($"text must be 1 to {TurnLimits.MaxTextLength} characters", nameof(request));
        }

        var correlationId = CorrelationId.IsValid(request.CorrelationId) ? request.CorrelationId
            : CorrelationId.IsValid(CorrelationId.Current) ? CorrelationId.Current : CorrelationId.NewRequestId();
        CorrelationOutgoingFilter.Restore(correlationId);
        var turn = new Turn(TurnIds.New(), correlationId, Owner(request.Actor));
        var started = time.GetTimestamp();
        Publish(SessionEventTypes.TurnStarted, turn, new JsonObject { ["text"] = text });

        var memories = await SearchMemoryAsync(turn, text);
        var memoryMs = Elapsed(started);
        Publish(SessionEventTypes.MemoryResults, turn,
            new JsonObject { ["memories"] = new JsonArray(memories.Select(MemoryJson).ToArray<JsonNode?>()) });

        var reply = await AskRouterAsync(turn, text, memories);
        var routerMs = Elapsed(started) - memoryMs;
        Publish(SessionEventTypes.AssistantText, turn, new JsonObject { ["text"] = reply.Text });

        var actions = new List<TurnAction>();
        foreach (var (call, index) in reply.ToolCalls.Select((c, i) => (c, i)))
        {
            if (await ProposeAsync(turn, call, index) is { } action)
            {
                actions.Add(action);
            }
        }

        var actionsMs = Elapsed(started) - memoryMs - routerMs;
        await RecordAsync(turn, text, reply.Text, actions);
        var totalMs = Elapsed(started);

        var result = new TurnResult(turn.TurnId, correlationId, reply.Text, memories, actions, turn.Degraded, turn.Errors);
        Publish(SessionEventTypes.TurnCompleted, turn, new JsonObject
        {
            ["assistant_text"] = reply.Text,
            ["actions"] = new JsonArray(actions.Select(a => (JsonNode?)new JsonObject
            {
                ["action_id"] = a.ActionId, ["tool"] = a.Tool, ["status"] = a.Status,
            }).ToArray()),
            ["degraded"] = turn.Degraded,
            ["latency_ms"] = Math.Round(totalMs, 1),
        });
        using (logger.BeginScope(LogKinds.Scope(LogKinds.Turn)))
        {
            LogTurn(logger, turn.TurnId, SessionId, Math.Round(totalMs, 1), Math.Round(memoryMs, 1), Math.Round(routerMs, 1),
                Math.Round(actionsMs, 1), memories.Count, actions.Count, turn.Degraded);
        }

        return result;
    }

    /// <summary>Actions are the owner's: a turn an operator runs in a client's session still proposes for that client.</summary>
    private string Owner(string actor) => state.State.OpenedBy is { Length: > 0 } owner ? owner : actor;

    private async Task<IReadOnlyList<MemoryHit>> SearchMemoryAsync(Turn turn, string text)
    {
        try
        {
            return await GuardedAsync("memory", memoryOptions.Timeout,
                token => memory.SearchAsync(new MemoryQuery(SessionId, turn.Owner, text, memoryOptions.MaxResults), token));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Degrade(turn, "memory_unavailable", "memory", ex);
            return [];
        }
    }

    private async Task<RouterReply> AskRouterAsync(Turn turn, string text, IReadOnlyList<MemoryHit> memories)
    {
        var history = state.State.Turns.TakeLast(options.RouterHistoryTurns)
            .Select(t => new RouterTurn(t.UserText, t.AssistantText))
            .ToList();
        RouterReply reply;
        try
        {
            reply = await GuardedAsync("router", routerOptions.Timeout,
                token => router.RouteAsync(new RouterRequest(text, history, memories, tools.Tools), token));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Degrade(turn, "router_unavailable", "router", ex);
            var fallback = "I cannot reach my router right now, so I cannot act on that.";
            var remembered = string.Join("; ", memories.Select(m => m.Text));
            return new RouterReply(memories.Count == 0 ? fallback : $"{fallback} From what I remember: {remembered}", [], []);
        }

        foreach (var problem in reply.Problems)
        {
            // A malformed tool call costs that call only: the turn carries on with the router's text and other calls.
            Problem(turn, "tool_call_invalid", problem);
        }

        return reply;
    }

    /// <summary>Submits one tool call as an action of this session, proposed by the assistant for the owner.</summary>
    private async Task<TurnAction?> ProposeAsync(Turn turn, ToolCall call, int index)
    {
        // One key per tool call of the turn: submitting it again (a retried call) finds the same action.
        var key = $"{turn.TurnId}.{index}";
        var submission = new ActionSubmission(SessionId, call.Tool, call.ArgsJson, key, AssistantActors.For(turn.Owner));
        SubmitResult result;
        try
        {
            result = await GrainFactory.GetGrain<IActionSubmissionGrain>(key).SubmitAsync(submission);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Problem(turn, "action_refused", $"{call.Tool}: {ex.Message}");
            return null;
        }

        if (result is not { Outcome: SubmitOutcome.Accepted or SubmitOutcome.Existing, Action: { } action })
        {
            Problem(turn, "action_refused", $"{call.Tool}: {string.Join("; ", result.Errors)}");
            return null;
        }

        var awaiting = action.Status == ActionStatuses.AwaitingConfirmation;
        var args = JsonNode.Parse(action.Args);
        Publish(SessionEventTypes.ActionProposed, turn, new JsonObject
        {
            ["action_id"] = action.ActionId, ["tool"] = action.Tool, ["args"] = args?.DeepClone(), ["status"] = action.Status,
        });
        if (awaiting)
        {
            Publish(SessionEventTypes.ActionConfirmationRequired, turn, new JsonObject
            {
                ["action_id"] = action.ActionId, ["tool"] = action.Tool, ["args"] = args, ["args_hash"] = action.ArgsHash,
            });
        }

        state.State.Pending[action.ActionId] = new PendingAction(turn.TurnId, turn.CorrelationId, time.GetUtcNow());
        if (!awaiting && options.ActionWait > TimeSpan.Zero && !ActionStatuses.IsTerminal(action.Status))
        {
            // An action that runs at once usually ends within moments: answer with how it went. Its action.result
            // event is pushed when it tells this session it ended, which is after this turn.
            action = await GrainFactory.GetGrain<IActionGrain>(action.ActionId).WaitAsync((int)options.ActionWait.TotalMilliseconds) ?? action;
        }

        return new TurnAction(action.ActionId, action.Tool, action.Status,
            action.Status == ActionStatuses.AwaitingConfirmation ? action.ArgsHash : null);
    }

    private async Task RecordAsync(Turn turn, string text, string assistantText, IReadOnlyList<TurnAction> actions)
    {
        var turns = state.State.Turns;
        turns.Add(new TurnSummary(turn.TurnId, turn.CorrelationId, time.GetUtcNow(), text, assistantText, actions, turn.Degraded));
        if (turns.Count > options.MaxTurns)
        {
            turns.RemoveRange(0, turns.Count - options.MaxTurns);
        }

        var pending = state.State.Pending;
        var excess = Math.Max(0, pending.Count - options.MaxPendingActions);
        foreach (var stale in pending.OrderBy(p => p.Value.ProposedAt).Take(excess).ToList())
        {
            pending.Remove(stale.Key);
        }

        state.State.TurnCount++;
        await state.WriteStateAsync();
    }

    /// <summary>
    /// Runs a memory or router call inside its breaker, given at most <paramref name="timeout"/>: the token asks the
    /// adapter to stop, and the wait stops regardless, so a call that ignores its token cannot hang the turn. A
    /// timeout counts against the breaker as a failure.
    /// </summary>
    private async Task<T> GuardedAsync<T>(string dependency, TimeSpan timeout, Func<CancellationToken, Task<T>> call)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        return await breakers.ExecuteAsync(
            dependency, async _ => await call(deadline.Token).WaitAsync(timeout, time), CancellationToken.None);
    }

    private void Degrade(Turn turn, string code, string dependency, Exception ex)
    {
        turn.Degraded = true;
        var reason = ex switch
        {
            Breakers.BreakerOpenException open => open.Message,
            TimeoutException or OperationCanceledException => "no answer in time",
            _ => ex.Message,
        };
        Problem(turn, code, $"{dependency}: {reason}");
    }

    /// <summary>A turn-level problem: an <c>error</c> event, an <c>error_log</c> line and a line of the result's errors.</summary>
    private void Problem(Turn turn, string code, string message)
    {
        turn.Errors.Add($"{code}: {message}");
        Publish(SessionEventTypes.Error, turn, new JsonObject { ["code"] = code, ["message"] = message });
        using (logger.BeginScope(LogKinds.Scope(LogKinds.Error)))
        {
            LogProblem(logger, turn.TurnId, SessionId, code, message);
        }
    }

    private static JsonObject MemoryJson(MemoryHit hit) =>
        new() { ["memory_id"] = hit.MemoryId, ["text"] = hit.Text, ["score"] = hit.Score };

    private double Elapsed(long started) => time.GetElapsedTime(started).TotalMilliseconds;

    /// <summary>What one running turn has gathered so far.</summary>
    private sealed class Turn(string turnId, string correlationId, string owner)
    {
        public string TurnId { get; } = turnId;

        public string CorrelationId { get; } = correlationId;

        public string Owner { get; } = owner;

        public bool Degraded { get; set; }

        public List<string> Errors { get; } = [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Turn {TurnId} of session {SessionId} took {TotalMs} ms (memory {MemoryMs} ms, router {RouterMs} ms, actions {ActionsMs} ms): " +
        "{MemoryCount} memories, {ActionCount} actions, degraded {Degraded}")]
    private static partial void LogTurn(ILogger logger, string turnId, string sessionId, double totalMs, double memoryMs, double routerMs,
        double actionsMs, int memoryCount, int actionCount, bool degraded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Turn {TurnId} of session {SessionId}: {Code}: {Problem}")]
    private static partial void LogProblem(ILogger logger, string turnId, string sessionId, string code, string problem);
}
