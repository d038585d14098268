using System.Text.Json.Nodes;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Grains.Conversations.Memory;

/// <summary>
/// An external memory service: <c>POST {BaseUrl}/search</c> with <c>{query, session_id, owner, scope, limit}</c>,
/// answered by <c>{"results":[{"memory_id","text","score"}]}</c>. Bearer <c>ApiKey</c> when set.
/// </summary>
public sealed class HttpMemoryStore(HttpClient http, MemoryOptions options) : IMemoryStore
{
    public const string Service = "memory service";

    private readonly Uri _search = new(new Uri(options.BaseUrl!.TrimEnd('/') + "/"), "search");

    public async Task<IReadOnlyList<MemoryHit>> SearchAsync(MemoryQuery query, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["query"] = query.Text,
            ["session_id"] = query.SessionId,
            ["owner"] = query.Owner,
            ["scope"] = options.Scope,
            ["limit"] = query.Limit,
        };
        var answer = await BoundedHttp.PostAsync(http, _search, body, options.ApiKey, options.MaxResponseBytes, Service, cancellationToken);
        if (answer?["results"] is not JsonArray results)
        {
            throw new ServiceFailedException($"{Service} answered without a results array");
        }

        return results.OfType<JsonObject>()
            .Where(r => r["memory_id"] is JsonValue && r["text"] is JsonValue)
            .Select(r => new MemoryHit(r["memory_id"]!.ToString(), r["text"]!.ToString(), Score(r["score"])))
            .Take(query.Limit)
            .ToList();
    }

    private static double Score(JsonNode? score) =>
        score is JsonValue value && value.TryGetValue<double>(out var number) ? number : 0;
}
