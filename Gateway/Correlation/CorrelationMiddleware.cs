using System.Diagnostics;
using Sonia.Hosting.Correlation;
using Sonia.Hosting.Telemetry;

namespace Sonia.Gateway.Correlation;

/// <summary>
/// Takes <c>X-Correlation-ID</c> from the client (validated) or makes <c>req_&lt;ulid&gt;</c>, echoes it on the
/// response, and puts it into Orleans' RequestContext so every grain call of this request carries it.
/// </summary>
public sealed class CorrelationMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        var supplied = context.Request.Headers[CorrelationId.HeaderName];
        var valid = supplied.Count == 0 || (supplied.Count == 1 && CorrelationId.IsValid(supplied[0]));
        var correlationId = supplied.Count == 1 && valid ? supplied[0]! : CorrelationId.NewRequestId();

        context.Items[CorrelationId.Key] = correlationId;
        context.Response.Headers[CorrelationId.HeaderName] = correlationId;
        CorrelationId.Set(correlationId);
        Activity.Current?.SetTag(SoniaTelemetry.CorrelationAttribute, correlationId);

        if (!valid)
        {
            // Not IProblemDetailsService.WriteAsync: it throws (a 500) when the Accept header names no JSON type.
            await TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid correlation id",
                detail: $"{CorrelationId.HeaderName} must be one value of at most {CorrelationId.MaxLength} characters from [A-Za-z0-9._:-].")
                .ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>The correlation id of the request being served.</summary>
    public static string Of(HttpContext context) =>
        context.Items.TryGetValue(CorrelationId.Key, out var value) && value is string id ? id : CorrelationId.NewRequestId();
}
