using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Http;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Actions.Execution;

/// <summary>
/// POSTs <c>{BaseUrl}/execute</c> with an <c>Idempotency-Key</c> header: 2xx is success (its JSON body the
/// result), 4xx a rejection (never retried), 5xx and unreachable an executor error (retried).
/// </summary>
public sealed class HttpExecutor(HttpClient http, HttpExecutorOptions options) : IActionExecutor
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public async Task<string> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(options.BaseUrl.TrimEnd('/') + "/"), "execute"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["action_id"] = request.ActionId,
                ["tool"] = request.Tool,
                ["args"] = JsonNode.Parse(request.Args),
                ["correlation_id"] = request.CorrelationId,
                ["attempt"] = request.Attempt,
            }),
        };
        message.Headers.Add(IdempotencyKeyHeader, request.IdempotencyKey);
        message.Headers.Add(CorrelationId.HeaderName, request.CorrelationId);
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }

        HttpResponseMessage response;
        try
        {
            // Headers first: the body is read by hand, never past MaxResponseBytes.
            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ExecutionFailedException(FailureClasses.ExecutorError, $"executor unreachable: {ex.Message}", ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var body = await ReadBoundedAsync(response, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return IsJson(body) ? body : JsonSerializer.Serialize(body);
            }

            var summary = $"executor answered {status} {response.ReasonPhrase}: {Truncate(body)}";
            throw status is >= 400 and < 500 && response.StatusCode != HttpStatusCode.RequestTimeout && status != 429
                ? new ExecutionRejectedException(summary)
                : new ExecutionFailedException(FailureClasses.ExecutorError, summary);
        }
    }

    /// <summary>
    /// Reads the body in chunks and stops at <see cref="HttpExecutorOptions.MaxResponseBytes"/>: an executor that
    /// answers too much (or forever) costs at most that much memory, and the attempt is rejected, since asking
    /// again would get the same answer.
    /// </summary>
    private async Task<string> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var limit = options.MaxResponseBytes;
        var body = await BoundedBody.ReadAsync(response.Content, limit, cancellationToken);
        if (body.Text is { } text)
        {
            return text;
        }

        var declared = body.DeclaredBytes is { } bytes ? $" (it declared {bytes})" : string.Empty;
        throw new ExecutionRejectedException(
            $"executor answered {(int)response.StatusCode} with a body over the {limit}-byte limit{declared}; see MaxResponseBytes");
    }

    private static bool IsJson(string body)
    {
        try
        {
            using var _ = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "null" : body);
            return !string.IsNullOrWhiteSpace(body);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
