using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Grains.Conversations.Routing;

/// <summary>Turns a user's text (with recent history, memories and the tools on offer) into a reply and tool calls.</summary>
public interface IRouter
{
    Task<RouterReply> RouteAsync(RouterRequest request, CancellationToken cancellationToken);
}

public sealed record RouterRequest(
    string Text, IReadOnlyList<RouterTurn> History, IReadOnlyList<MemoryHit> Memories, IReadOnlyList<RouterTool> Tools);

/// <summary>One earlier exchange of the session, oldest first.</summary>
public sealed record RouterTurn(string UserText, string AssistantText);

/// <summary>A tool the router may call; <paramref name="ArgsSchema"/> is its JSON Schema text.</summary>
public sealed record RouterTool(string Name, string Description, string ArgsSchema);

/// <summary>
/// The router's answer: its text, the well-formed tool calls (args a JSON object), and one line per malformed call
/// that was left out.
/// </summary>
public sealed record RouterReply(string Text, IReadOnlyList<ToolCall> ToolCalls, IReadOnlyList<string> Problems);

public sealed record ToolCall(string Tool, string ArgsJson);
