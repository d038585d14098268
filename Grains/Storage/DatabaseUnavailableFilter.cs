using Microsoft.Extensions.Logging;
using Sonia.Grains.Interfaces.Storage;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Storage;

/// <summary>
/// A grain call that failed because the database is unavailable ends in <see cref="DatabaseUnavailableException"/>,
/// which the gateway answers with 503 and Retry-After; the driver's exception is logged here with the correlation id.
/// </summary>
public sealed partial class DatabaseUnavailableFilter(ILogger<DatabaseUnavailableFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception ex) when (ex is not DatabaseUnavailableException && TransientDatabase.IsTransient(ex))
        {
            var correlationId = CorrelationId.Current;
            LogUnavailable(logger, context.InterfaceName, context.MethodName, correlationId, ex);
            throw new DatabaseUnavailableException($"the database did not answer ({ex.GetType().Name}); correlation id {correlationId}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Database unavailable during {Interface}.{Method} (correlation id {CorrelationId}); the caller gets 503")]
    private static partial void LogUnavailable(ILogger logger, string @interface, string method, string? correlationId, Exception exception);
}
