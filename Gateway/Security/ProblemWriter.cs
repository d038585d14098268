namespace Sonia.Gateway.Security;

/// <summary>
/// Writes a problem+json answer from middleware. Unlike <see cref="IProblemDetailsService.WriteAsync"/>, it never
/// throws when the client's Accept header names no JSON type (that would turn a 4xx into a 500): the problem is
/// then written as JSON all the same.
/// </summary>
public static class ProblemWriter
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, IReadOnlyList<string>? errors = null) =>
        TypedResults.Problem(
            statusCode: status,
            title: title,
            detail: detail,
            extensions: errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors })
        .ExecuteAsync(context);
}
