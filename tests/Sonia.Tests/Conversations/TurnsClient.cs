using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sonia.Tests.Conversations;

/// <summary>Drives sessions and turns over real HTTP the way a client would.</summary>
public sealed class TurnsClient(HttpClient http)
{
    public async Task<string> OpenAsync()
    {
        using var response = await http.PostAsync("/v1/sessions", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_id").GetString()!;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> TurnAsync(string sessionId, string text, string? correlationId = null)
    {
        var body = new Dictionary<string, object?> { ["text"] = text };
        if (correlationId is not null)
        {
            body["correlation_id"] = correlationId;
        }

        using var response = await http.PostAsync($"/v1/sessions/{sessionId}/turns", JsonContent.Create(body));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>A turn that must answer 200.</summary>
    public async Task<JsonElement> TurnOkAsync(string sessionId, string text, string? correlationId = null)
    {
        var (status, body) = await TurnAsync(sessionId, text, correlationId);
        Assert.True(status == HttpStatusCode.OK, $"expected 200, got {(int)status}: {body}");
        return body;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetSessionAsync(string sessionId)
    {
        using var response = await http.GetAsync($"/v1/sessions/{sessionId}");
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
