using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Sonia.Gateway.Problems;

/// <summary>
/// Turns the framework's binding failures (unreadable JSON, an unknown or mistyped member, an empty body, a missing
/// content type) into the same 400/415 problem every handler answers with, naming the member or header and what it
/// expects, instead of a bare "Bad Request". Needs <c>RouteHandlerOptions.ThrowOnBadRequest</c>.
/// </summary>
public sealed partial class BadRequestHandler(IProblemDetailsService problems, IOptions<JsonOptions> json) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var (title, errors) = bad.StatusCode == StatusCodes.Status415UnsupportedMediaType
            ? ("Unsupported content type", [$"Content-Type must be application/json; got {Quoted(context.Request.ContentType)}"])
            : ("Invalid request body", Describe(bad, context));
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = title,
                Detail = string.Join("; ", errors),
                Extensions = { ["errors"] = errors },
            },
        });
    }

    private List<string> Describe(BadHttpRequestException bad, HttpContext context)
    {
        if (bad.InnerException is not JsonException inner)
        {
            // "Required parameter ... was not provided from body" and its kin: the body itself is missing.
            return bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase)
                ? ["a JSON object body is required (Content-Type: application/json)"]
                : [bad.Message];
        }

        var body = BodyContract(context);
        var member = inner.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        if (UnmappedMember().Match(inner.Message) is { Success: true } unmapped)
        {
            var known = body is null ? "members are snake_case" : $"accepted members: {string.Join(", ", body.Properties.Select(p => p.Name))}";
            return [$"unknown member '{member ?? unmapped.Groups[1].Value}' in the request body; {known}"];
        }

        if (member is not null && inner.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            var type = body?.Properties.FirstOrDefault(p => p.Name == member)?.PropertyType;
            return [type is null ? $"{member} has the wrong JSON type" : $"{member} must be {Expected(type)}"];
        }

        if (inner.BytePositionInLine == 0 && inner.LineNumber == 0 && context.Request.ContentLength is 0 or null)
        {
            return ["the request body is empty; a JSON object is expected"];
        }

        return [$"the request body is not valid JSON (line {inner.LineNumber + 1}, byte {inner.BytePositionInLine + 1})"];
    }

    /// <summary>The serializer contract of the endpoint's body (the exception handler has already cleared the endpoint).</summary>
    private JsonTypeInfo? BodyContract(HttpContext context)
    {
        var endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        var type = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        return type is null ? null : json.Value.SerializerOptions.GetTypeInfo(type);
    }

    private static string Expected(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(int) || t == typeof(long) => "an integer",
        var t when t == typeof(double) || t == typeof(decimal) || t == typeof(float) => "a number",
        var t when t == typeof(DateTimeOffset) || t == typeof(DateTime) => "an ISO 8601 date-time string such as 2026-11-29T11:00:00Z",
        var t when t == typeof(string) => "a string",
        var t when t != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(t) => "an array",
        _ => "a JSON object",
    };

    private static string Quoted(string? value) => string.IsNullOrEmpty(value) ? "none" : $"'{value}'";

    [GeneratedRegex("The JSON property '(.*?)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnmappedMember();

}
