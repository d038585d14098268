using Microsoft.AspNetCore.Diagnostics;
using Sonia.Gateway.Correlation;
using Sonia.Hosting.Correlation;

namespace Sonia.Gateway.Problems;

/// <summary>RFC 9457 problem+json for every error, each carrying the request's correlation id.</summary>
public static class ProblemSetup
{
    public static IServiceCollection AddSoniaProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            c.ProblemDetails.Extensions[CorrelationId.Key] = CorrelationMiddleware.Of(c.HttpContext));
        services.AddExceptionHandler<ClusterUnavailableHandler>();
        return services;
    }
}

/// <summary>Turns "the cluster did not answer" into a 503 problem instead of a bare 500.</summary>
public sealed partial class ClusterUnavailableHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (TimeoutException or SiloUnavailableException or OrleansMessageRejectionException))
        {
            return false;
        }

        LogUnavailable(logger, exception.GetType().Name, context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Cluster unavailable",
                Detail = "The Sonia cluster did not answer in time; retry shortly.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster unavailable ({ErrorType}) while serving {Path}")]
    private static partial void LogUnavailable(ILogger logger, string errorType, string path);
}
