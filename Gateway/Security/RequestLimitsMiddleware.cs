using System.Buffers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;

namespace Sonia.Gateway.Security;

/// <summary>
/// Checks what every endpoint receives before any handler (and so any grain) sees it: path ids have the shape of an
/// id, query values are bounded, a body is at most <see cref="RequestLimitsOptions.MaxBodyBytes"/> (413), and a JSON
/// body is neither nested deeper than <see cref="RequestLimitsOptions.MaxJsonDepth"/> nor carries an over-long string (400).
/// Malformed JSON is left to the endpoint's binder, which names the problem.
/// </summary>
public sealed partial class RequestLimitsMiddleware(RequestDelegate next, RequestLimitsOptions limits)
{
    public const int MaxRouteValueLength = 128;

    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        if (CheckRouteAndQuery(context.Request) is { } invalid)
        {
            await WriteAsync(context, problems, StatusCodes.Status400BadRequest, "Invalid request", invalid);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limits.MaxBodyBytes;
        }

        if (context.Request.ContentLength > limits.MaxBodyBytes)
        {
            await TooLargeAsync(context, problems);
            return;
        }

        if (IsJson(context.Request.ContentType, out var utf8) && !utf8)
        {
            // The JSON binder throws (a 500) on a charset it cannot decode, such as utf-7.
            await WriteAsync(context, problems, StatusCodes.Status415UnsupportedMediaType, "Unsupported charset",
                "JSON bodies must be UTF-8");
            return;
        }

        if (IsJson(context.Request.ContentType, out _) && (context.Request.ContentLength > 0 || context.Request.ContentLength is null))
        {
            byte[]? body;
            try
            {
                body = await ReadBoundedAsync(context.Request.Body, context.RequestAborted);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                body = null;
            }

            if (body is null)
            {
                await TooLargeAsync(context, problems);
                return;
            }

            if (CheckJson(body) is { } problem)
            {
                await WriteAsync(context, problems, StatusCodes.Status400BadRequest, "Invalid request body", problem);
                return;
            }

            context.Request.Body = new MemoryStream(body, writable: false);
        }

        await next(context);
    }

    private string? CheckRouteAndQuery(HttpRequest request)
    {
        foreach (var (name, value) in request.RouteValues)
        {
            if (value is string text && !RouteValueShape().IsMatch(text))
            {
                return $"path segment {name} must be 1-{MaxRouteValueLength} characters of [A-Za-z0-9._:-]";
            }
        }

        if (request.Query.Count > limits.MaxQueryParameters)
        {
            return $"at most {limits.MaxQueryParameters} query parameters are accepted";
        }

        foreach (var (name, values) in request.Query)
        {
            if (name.Length > 64 || values.Count > 1 || values.Any(IsUnbounded))
            {
                return $"query parameter {Printable(name)} must appear once, " +
                    $"with at most {limits.MaxQueryValueLength} characters and no control characters";
            }
        }

        return null;
    }

    private bool IsUnbounded(string? value) => value is null || value.Length > limits.MaxQueryValueLength || value.Any(char.IsControl);

    private string? CheckJson(byte[] body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth + 1 });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth >= limits.MaxJsonDepth:
                        return $"JSON nesting must be at most {limits.MaxJsonDepth} levels deep";
                    case JsonTokenType.String or JsonTokenType.PropertyName
                        when reader.ValueSpan.Length > limits.MaxStringLength && reader.GetString()!.Length > limits.MaxStringLength:
                        return $"JSON strings must be at most {limits.MaxStringLength} characters";
                }
            }
        }
        catch (JsonException)
        {
            // Malformed: the endpoint's binder answers 400 and says where.
        }
        catch (InvalidOperationException)
        {
            // A string that is not valid UTF-8 or has a bad escape: likewise left to the binder.
        }

        return null;
    }

    private async Task<byte[]?> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limits.MaxBodyBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    private Task TooLargeAsync(HttpContext context, IProblemDetailsService problems) =>
        WriteAsync(context, problems, StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"request bodies must be at most {limits.MaxBodyBytes} bytes");

    private static Task WriteAsync(HttpContext context, IProblemDetailsService problems, int status, string title, string error) =>
        ProblemWriter.WriteAsync(context, status, title, error, [error]);

    private static bool IsJson(string? contentType, out bool utf8)
    {
        utf8 = true;
        if (contentType is null || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !(media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true))
        {
            return false;
        }

        var charset = media.Charset.Value;
        utf8 = string.IsNullOrEmpty(charset) || charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            || charset.Trim('"').Equals("utf8", StringComparison.OrdinalIgnoreCase);
        return true;
    }

    private static string Printable(string text) =>
        new(text.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '?').ToArray());

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex RouteValueShape();
}
