using Sonia.Gateway.Correlation;
using Sonia.Gateway.Operators;
using Sonia.Hosting.Correlation;
using Sonia.Hosting.Logging;

namespace Sonia.Gateway.AccessLog;

/// <summary>
/// One <c>access_log</c> line per request: method, route template, path, status, duration, correlation id and actor.
/// Never a body or a query string: those may carry what a client would not want written down.
/// </summary>
public sealed partial class AccessLogMiddleware(RequestDelegate next, ILogger<AccessLogMiddleware> logger, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();

        // Read before the request runs: the exception handler clears the endpoint when it takes over.
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            var elapsed = time.GetElapsedTime(started).TotalMilliseconds;
            // The correlation id goes in as a field of its own: the ambient one set further in is gone by now.
            KeyValuePair<string, object?>[] scope =
                [new(LogKinds.Property, LogKinds.Access), new(CorrelationId.Key, CorrelationMiddleware.Of(context))];
            using (logger.BeginScope(scope))
            {
                var level = status >= StatusCodes.Status500InternalServerError ? LogLevel.Warning : LogLevel.Information;
                LogRequest(logger, level, context.Request.Method, route ?? "(no route)", context.Request.Path.Value ?? "/", status,
                    Math.Round(elapsed, 2), OperatorActor.From(context));
            }
        }
    }

    [LoggerMessage(Message = "{Method} {Route} answered {Status} in {DurationMs} ms (path {Path}, actor {Actor})")]
    private static partial void LogRequest(
        ILogger logger, LogLevel level, string method, string route, string path, int status, double durationMs, string actor);
}
