using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Sonia.Grains.Http;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Conversations;

/// <summary>
/// POSTs JSON to a service outside Sonia (router, memory) and reads at most a bounded answer: a service that answers
/// too much (or forever) costs at most that much memory. The correlation id travels as <c>X-Correlation-ID</c>.
/// </summary>
internal static class BoundedHttp
{
    public static async Task<JsonNode?> PostAsync(
        HttpClient http, Uri uri, JsonObject body, string? apiKey, long maxBytes, string service, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (CorrelationId.Current is { } correlationId)
        {
            message.Headers.Add(CorrelationId.HeaderName, correlationId);
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var text = await ReadAsync(response, maxBytes, service, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ServiceFailedException($"{service} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(text)}");
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ServiceFailedException($"{service} answered with malformed JSON: {ex.Message}", ex);
        }
    }

    private static async Task<string> ReadAsync(
        HttpResponseMessage response, long maxBytes, string service, CancellationToken cancellationToken)
    {
        var body = await BoundedBody.ReadAsync(response.Content, maxBytes, cancellationToken);
        return body.Text ?? throw new ServiceFailedException(body.DeclaredBytes is { } declared
            ? $"{service} answered {declared} bytes, more than the {maxBytes} allowed"
            : $"{service} answered more than the {maxBytes} bytes allowed");
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}

/// <summary>A router or memory service failed to answer usefully (an error status, malformed JSON, too long an answer).</summary>
public sealed class ServiceFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The one check every adapter's base URL gets.</summary>
internal static class HttpUrls
{
    public static bool IsValid(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
