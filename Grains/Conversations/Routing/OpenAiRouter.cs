using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sonia.Grains.Conversations.Routing;

/// <summary>
/// An OpenAI-compatible <c>POST {BaseUrl}/chat/completions</c>: the system prompt with the memories found, the recent
/// history, the user's text, and every tool as a function with its JSON Schema. Tool names may hold dots, which
/// function names may not, so <c>note.save</c> is offered as <c>note__save</c> and mapped back. A tool call with an
/// unknown name or arguments that are not a JSON object is left out and reported, and the turn keeps its text.
/// </summary>
public sealed class OpenAiRouter(HttpClient http, RouterOptions options) : IRouter
{
    public const string Service = "router";

    private readonly Uri _completions = new(new Uri(options.BaseUrl!.TrimEnd('/') + "/"), "chat/completions");

    public async Task<RouterReply> RouteAsync(RouterRequest request, CancellationToken cancellationToken)
    {
        var names = request.Tools.ToDictionary(t => FunctionName(t.Name), t => t.Name, StringComparer.Ordinal);
        var answer = await BoundedHttp.PostAsync(
            http, _completions, Body(request), options.ApiKey, options.MaxResponseBytes, Service, cancellationToken);
        if (answer?["choices"] is not JsonArray { Count: > 0 } choices || choices[0]?["message"] is not JsonObject message)
        {
            throw new ServiceFailedException($"{Service} answered without choices[0].message");
        }

        var text = message["content"] is JsonValue content && content.TryGetValue<string>(out var s) ? s : string.Empty;
        var calls = new List<ToolCall>();
        var problems = new List<string>();
        foreach (var (call, index) in (message["tool_calls"] as JsonArray ?? []).Select((c, i) => (c, i)))
        {
            if (Parse(call, names, out var parsed) is { } problem)
            {
                problems.Add($"tool call {index}: {problem}");
            }
            else if (calls.Count >= options.MaxToolCalls)
            {
                problems.Add($"tool call {index}: more than {options.MaxToolCalls} tool calls in one reply");
            }
            else
            {
                calls.Add(parsed!);
            }
        }

        return new RouterReply(text, calls, problems);
    }

    /// <summary>Why <paramref name="call"/> is malformed, or null with the call it names.</summary>
    private static string? Parse(JsonNode? call, Dictionary<string, string> names, out ToolCall? parsed)
    {
        parsed = null;
        var function = call?["function"];
        if (function?["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name))
        {
            return "no function name";
        }

        if (!names.TryGetValue(name, out var tool))
        {
            return $"'{Shorten(name)}' is not a tool on offer";
        }

        // Arguments are JSON text per the API; some servers send the object itself.
        var raw = function["arguments"];
        JsonNode? args;
        try
        {
            args = raw is JsonValue value && value.TryGetValue<string>(out var argsText)
                ? (string.IsNullOrWhiteSpace(argsText) ? new JsonObject() : JsonNode.Parse(argsText))
                : raw?.DeepClone();
        }
        catch (JsonException ex)
        {
            return $"arguments of {tool} are not valid JSON ({ex.Message})";
        }

        if (args is not JsonObject)
        {
            return $"arguments of {tool} are not a JSON object";
        }

        parsed = new ToolCall(tool, args.ToJsonString());
        return null;
    }

    private JsonObject Body(RouterRequest request)
    {
        var messages = new JsonArray { Message("system", SystemText(request)) };
        foreach (var turn in request.History)
        {
            messages.Add(Message("user", turn.UserText));
            messages.Add(Message("assistant", turn.AssistantText));
        }

        messages.Add(Message("user", request.Text));
        var body = new JsonObject { ["model"] = options.Model, ["messages"] = messages };
        if (request.Tools.Count > 0)
        {
            body["tools"] = new JsonArray(request.Tools.Select(Tool).ToArray<JsonNode?>());
            body["tool_choice"] = "auto";
        }

        return body;
    }

    private string SystemText(RouterRequest request)
    {
        var text = new StringBuilder(options.SystemPrompt);
        if (request.Memories.Count > 0)
        {
            text.Append("\n\nMemories:");
            foreach (var memory in request.Memories)
            {
                text.Append("\n- [").Append(memory.MemoryId).Append("] ").Append(memory.Text);
            }
        }

        return text.ToString();
    }

    private static JsonObject Message(string role, string content) => new() { ["role"] = role, ["content"] = content };

    private static JsonObject Tool(RouterTool tool) => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = FunctionName(tool.Name),
            ["description"] = tool.Description,
            ["parameters"] = JsonNode.Parse(tool.ArgsSchema),
        },
    };

    /// <summary>Function names are <c>[A-Za-z0-9_-]{1,64}</c>; tool names may also hold dots.</summary>
    public static string FunctionName(string tool) => tool.Replace(".", "__", StringComparison.Ordinal);

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
