using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Hosting.Correlation;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

/// <summary>Drives the actions API over real HTTP the way a client would.</summary>
public sealed class ActionsClient(HttpClient http)
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    public async Task<(HttpStatusCode Status, JsonElement Body)> SubmitAsync(
        string tool, object args, string? idempotencyKey = null, string? sessionId = null, string? correlationId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/actions")
        {
            Content = JsonContent.Create(new Dictionary<string, object?>
            {
                ["tool"] = tool,
                ["args"] = args,
                ["idempotency_key"] = idempotencyKey,
                ["session_id"] = sessionId,
            }),
        };
        if (correlationId is not null)
        {
            request.Headers.Add(CorrelationId.HeaderName, correlationId);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public async Task<string> SubmitAcceptedAsync(string tool, object args, string? correlationId = null)
    {
        var (status, body) = await SubmitAsync(tool, args, correlationId: correlationId);
        Assert.True(status == HttpStatusCode.Accepted, $"expected 202, got {(int)status}: {body}");
        return body.GetProperty("action_id").GetString()!;
    }

    public async Task<JsonElement> GetAsync(string actionId) =>
        await http.GetFromJsonAsync<JsonElement>($"/v1/actions/{actionId}");

    /// <summary>Polls until the action reaches a terminal state (or <paramref name="status"/>).</summary>
    public Task<JsonElement> WaitAsync(string actionId, string? status = null) =>
        Eventually.ResultAsync(() => GetAsync(actionId), Settle, a =>
        {
            var current = a.GetProperty("status").GetString()!;
            return status is null ? ActionStatuses.IsTerminal(current) : current == status;
        });

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object? body)
    {
        using var response = await http.PostAsync(path, body is null ? null : JsonContent.Create(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Asserts the status, showing the whole action when it differs.</summary>
    public static void AssertStatus(string expected, JsonElement action) =>
        Assert.True(action.GetProperty("status") is { ValueKind: JsonValueKind.String } status && status.GetString() == expected,
            $"expected {expected}: {action}");

    public static IReadOnlyList<string> Transitions(JsonElement action) =>
        action.GetProperty("audit").EnumerateArray().Select(a => a.GetProperty("to").GetString()!).ToList();
}
