using System.Threading.Channels;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Hosting.Correlation;
using Sonia.Hosting.Logging;

namespace Sonia.Gateway.Streaming;

/// <summary>What the client's frames ask for.</summary>
public sealed partial class StreamConnection
{
    /// <summary>
    /// Handles one socket's frames. Turns run one at a time, in the order sent, on their own task so that the socket
    /// keeps reading meanwhile (an approval must not wait behind a turn); at most
    /// <see cref="StreamOptions.MaxPendingInputs"/> wait. A turn's events reach the client through the session's
    /// observer only, never from the call's answer, so none is sent twice.
    /// </summary>
    private sealed class Commands
    {
        private readonly StreamConnection _connection;
        private readonly StreamCaller _caller;
        private readonly ISessionGrain _session;
        private readonly string _sessionId;
        private readonly Channel<TurnRequest> _inputs;
        private readonly Task _turns;

        public Commands(StreamConnection connection, StreamCaller caller, string sessionId)
        {
            _connection = connection;
            _caller = caller;
            _sessionId = sessionId;
            _session = connection._services.Cluster.GetGrain<ISessionGrain>(sessionId);
            _inputs = Channel.CreateBounded<TurnRequest>(
                new BoundedChannelOptions(connection._options.MaxPendingInputs) { SingleReader = true });
            _turns = Task.Run(RunTurnsAsync);
        }

        private StreamServices Services => _connection._services;

        public async Task HandleAsync(ReadOnlyMemory<byte> utf8)
        {
            var frame = ClientFrames.Parse(utf8, _connection._options.MaxTextLength, out var invalid);
            if (frame is null)
            {
                // An unreadable frame has no correlation id of its own: the socket's (its upgrade request's) stands in.
                Refuse(invalid!.CorrelationId ?? _connection._connectionCorrelationId, StreamError.From(invalid));
                return;
            }

            // The correlation id is fixed here, at the socket's entry: the client's, or a new one.
            var correlationId = frame.CorrelationId ?? CorrelationId.NewRequestId();
            if (frame.Type == ClientFrame.Auth)
            {
                Refuse(correlationId,
                    new StreamError("already_authenticated", "this socket is authenticated already", StatusCodes.Status400BadRequest));
                return;
            }

            if (!Services.Limiter.TryAcquire(_caller, out var retryAfter))
            {
                Refuse(correlationId, new StreamError("rate_limited",
                    $"Key '{_caller.Name}' used its request budget for this minute; retry after {retryAfter} s.",
                    StatusCodes.Status429TooManyRequests));
                return;
            }

            if (frame.Type != ClientFrame.InputText)
            {
                await DecideAsync(frame, correlationId);
            }
            else if (!_inputs.Writer.TryWrite(new TurnRequest(frame.Text!, correlationId, _caller.Name)))
            {
                Refuse(correlationId, new StreamError("busy",
                    $"{_connection._options.MaxPendingInputs} inputs are already waiting for their turn; send again when one completes.",
                    StatusCodes.Status429TooManyRequests));
            }
        }

        /// <summary>No more input: the turn already running finishes in its grain; the waiting ones are dropped.</summary>
        public void Complete() => _inputs.Writer.TryComplete();

        private async Task RunTurnsAsync()
        {
            await foreach (var input in _inputs.Reader.ReadAllAsync())
            {
                if (_connection._outbox.Closing)
                {
                    return;
                }

                CorrelationId.Set(input.CorrelationId!);
                try
                {
                    await _session.RunTurnAsync(input);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    using (StreamLog.Scope(Services.Logger, LogKinds.Error, input.CorrelationId!))
                    {
                        StreamLog.TurnFailed(Services.Logger, ex, _sessionId, ex.Message);
                    }

                    Refuse(input.CorrelationId!, StreamError.Unavailable(ex, "the turn failed"));
                }
                finally
                {
                    Orleans.Runtime.RequestContext.Clear();
                }
            }
        }

        /// <summary>
        /// Approves or denies with the socket's actor. A client decides only what the assistant proposed in its own
        /// sessions (<c>submitted_by</c> = <c>assistant:&lt;key&gt;</c>); any other action is not found, as over REST.
        /// The action's end arrives later as <c>action.result</c>, through the session.
        /// </summary>
        private async Task DecideAsync(ClientFrame frame, string correlationId)
        {
            var action = Services.Cluster.GetGrain<IActionGrain>(frame.ActionId!);
            CorrelationId.Set(correlationId);
            try
            {
                // Over the socket a client's own submission is not found either: the socket only ever shows it its
                // assistant's proposals.
                if (await ActionVisibility.DecisionAccessAsync(action, _caller.SeesEverySession, _caller.Name) != DecisionAccess.Allowed)
                {
                    Refuse(correlationId, Refusal(frame.ActionId!, new CommandResult(CommandOutcome.NotFound, null, null)));
                    return;
                }

                var result = frame.Type == ClientFrame.Approve
                    ? await action.ApproveAsync(frame.ArgsHash!, _caller.Name, enforceFourEyes: !Services.Mode.Open)
                    : await action.DenyAsync(frame.Reason, _caller.Name);
                if (result.Outcome != CommandOutcome.Done)
                {
                    Refuse(correlationId, Refusal(frame.ActionId!, result));
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                using (StreamLog.Scope(Services.Logger, LogKinds.Error, correlationId))
                {
                    StreamLog.CommandFailed(Services.Logger, ex, frame.Type, frame.ActionId!, ex.Message);
                }

                Refuse(correlationId, StreamError.Unavailable(ex, $"{frame.Type} of {frame.ActionId} failed"));
            }
            finally
            {
                Orleans.Runtime.RequestContext.Clear();
            }
        }

        private void Refuse(string correlationId, StreamError error) => _connection.PostError(null, correlationId, error);

        /// <summary>The REST answer of the same refusal (<c>POST /v1/actions/{id}/approve</c>), as a code.</summary>
        private static StreamError Refusal(string actionId, CommandResult result) => (result.Outcome switch
        {
            CommandOutcome.NotFound => new StreamError("action_not_found", $"No action {actionId}.", StatusCodes.Status404NotFound),
            CommandOutcome.SelfApproval => new("self_approval", result.Error ?? "Self-approval refused.", StatusCodes.Status403Forbidden),
            CommandOutcome.HashMismatch => new("args_changed", result.Error ?? "Arguments changed.", StatusCodes.Status409Conflict),
            CommandOutcome.Expired => new("confirmation_expired", result.Error ?? "Confirmation expired.", StatusCodes.Status409Conflict),
            _ => new("not_awaiting_confirmation", result.Error ?? "Not awaiting confirmation.", StatusCodes.Status409Conflict),
        }) with { ActionId = actionId };
    }
}
