using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions.Execution;

/// <summary>What an executor is asked to do: the same idempotency key on every attempt of one action.</summary>
public sealed record ExecutionRequest(string ActionId, string Tool, string Args, string IdempotencyKey, string CorrelationId, int Attempt, string? SessionId);

/// <summary>Runs tools. Returns the result as JSON text, or throws <see cref="ExecutionFailedException"/>.</summary>
public interface IActionExecutor
{
    Task<string> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken);
}

/// <summary>An attempt failed, with the failure class that decides whether it is retried.</summary>
public class ExecutionFailedException(string failureClass, string message, Exception? inner = null) : Exception(message, inner)
{
    public string FailureClass { get; } = failureClass;
}

/// <summary>
/// The executor answered and said no (an HTTP 4xx, a drill's rejection): the dependency is healthy, so this
/// does not count against its breaker, and asking again will not help.
/// </summary>
public sealed class ExecutionRejectedException(string message) : ExecutionFailedException(FailureClasses.Rejected, message), Breakers.IDoesNotTripBreaker;
