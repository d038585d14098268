using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Conversations.Memory;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Grains.Conversations.Routing;

/// <summary>
/// The offline router: deterministic rules, no model. <c>note: X</c> saves X (<c>note.save</c>), <c>echo X</c> echoes
/// it, <c>forget X</c> deletes the best memory found for X (<c>note.delete</c>, which asks for confirmation); anything
/// else is answered from the memories found. A rule whose tool is not on offer falls back to the memories.
/// </summary>
public sealed partial class RulesRouter : IRouter
{
    public Task<RouterReply> RouteAsync(RouterRequest request, CancellationToken cancellationToken)
    {
        var text = request.Text.Trim();
        var offered = request.Tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        RouterReply? reply = null;
        if (Note().Match(text) is { Success: true } note && offered.Contains(BuiltInTools.NoteSave))
        {
            var body = note.Groups["body"].Value.Trim();
            reply = Call($"Noted: {body}", BuiltInTools.NoteSave, new JsonObject { ["text"] = body });
        }
        else if (Echo().Match(text) is { Success: true } echo && offered.Contains(BuiltInTools.Echo))
        {
            var body = echo.Groups["body"].Value.Trim();
            reply = Call(body, BuiltInTools.Echo, new JsonObject { ["text"] = body });
        }
        else if (Forget().Match(text) is { Success: true } forget && offered.Contains(BuiltInTools.NoteDelete))
        {
            reply = ForgetReply(forget.Groups["body"].Value.Trim(), request.Memories);
        }

        return Task.FromResult(reply ?? new RouterReply(FromMemories(request.Memories), [], []));
    }

    private static RouterReply ForgetReply(string what, IReadOnlyList<MemoryHit> memories)
    {
        var terms = SearchTerms.Of(what);
        var best = memories.FirstOrDefault(m => terms.Any(t => m.Text.Contains(t, StringComparison.OrdinalIgnoreCase)));
        return best is null
            ? new RouterReply($"I found no memory matching \"{what}\".", [], [])
            : Call($"I will forget \"{best.Text}\" once you confirm.", BuiltInTools.NoteDelete,
                new JsonObject { ["memory_id"] = best.MemoryId });
    }

    private static string FromMemories(IReadOnlyList<MemoryHit> memories) => memories.Count == 0
        ? "I have nothing on that yet. Tell me with \"note: ...\"."
        : "From what I remember: " + string.Join("; ", memories.Select(m => m.Text));

    private static RouterReply Call(string text, string tool, JsonObject args) => new(text, [new ToolCall(tool, args.ToJsonString())], []);

    [GeneratedRegex(@"^(?:note|remember)\s*:\s*(?<body>\S.*)$",
        RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Note();

    [GeneratedRegex(@"^echo\s+(?<body>\S.*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Echo();

    [GeneratedRegex(@"^forget\s+(?<body>\S.*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Forget();
}
