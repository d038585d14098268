using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Sonia.Gateway.Correlation;
using Sonia.Grains.Interfaces.Storage;
using Sonia.Hosting.Correlation;

namespace Sonia.Gateway.Problems;

/// <summary>RFC 9457 problem+json for every error, each carrying the request's correlation id.</summary>
public static class ProblemSetup
{
    public static IServiceCollection AddSoniaProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions[CorrelationId.Key] = CorrelationMiddleware.Of(c.HttpContext);
            if (c.ProblemDetails.Detail is null && DescribeBareStatus(c.HttpContext) is { } detail)
            {
                c.ProblemDetails.Detail = detail;
                c.ProblemDetails.Extensions["errors"] = new[] { detail };
            }

            // The bare 32-hex trace id, as in every log line, instead of the framework's full traceparent under "traceId".
            c.ProblemDetails.Extensions.Remove("traceId");
            if (Activity.Current is { } activity)
            {
                c.ProblemDetails.Extensions["trace_id"] = activity.TraceId.ToHexString();
            }
        });

        // Binding failures throw, so that BadRequestHandler can say which member or header is wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestHandler>();
        services.AddExceptionHandler<ClusterUnavailableHandler>();
        return services;
    }

    /// <summary>What routing's own 404/405/415 (which reach no handler) say, so that no error is a bare status line.</summary>
    private static string? DescribeBareStatus(HttpContext context)
    {
        var request = context.Request;
        return context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => $"No endpoint {request.Method} {request.Path}; the API is listed at /openapi/v1.json.",
            StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}.",
            StatusCodes.Status415UnsupportedMediaType =>
                $"Content-Type must be application/json; got {(string.IsNullOrEmpty(request.ContentType) ? "none" : $"'{request.ContentType}'")}.",
            _ => null,
        };
    }
}

/// <summary>
/// Turns "the cluster did not answer" and "the database is unavailable" into a 503 problem with Retry-After instead of
/// a bare 500; the exception itself goes to the log under the request's correlation id.
/// </summary>
public sealed partial class ClusterUnavailableHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableHandler> logger)
    : IExceptionHandler
{
    /// <summary>A dead silo is declared, and its work moved, within seconds: ask clients to come back after a few.</summary>
    public const string RetryAfterSeconds = "2";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var database = DatabaseUnavailableException.IsCause(exception);
        // ConnectionFailedException: the gateway's own silo connection is down (a silo restarting); it retries every second.
        if (!database && exception is not (TimeoutException or SiloUnavailableException or OrleansMessageRejectionException
            or Orleans.Runtime.Messaging.ConnectionFailedException))
        {
            return false;
        }

        LogUnavailable(logger, database ? "database" : "cluster", CorrelationMiddleware.Of(context), context.Request.Path, exception);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = database ? "Database unavailable" : "Cluster unavailable",
                Detail = database
                    ? "The Sonia database did not answer; retry shortly (a submission retried with its idempotency key runs once)."
                    : "The Sonia cluster did not answer in time; retry shortly.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unavailable: the {Component} failed request {CorrelationId} to {Path}; answered 503")]
    private static partial void LogUnavailable(ILogger logger, string component, string correlationId, string path, Exception exception);
}
