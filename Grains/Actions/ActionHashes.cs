using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions;

/// <summary>
/// Hashes over canonical JSON (object keys sorted, no insignificant white space), so the same arguments
/// written differently hash the same and a confirmation binds to their meaning, not their spelling.
/// </summary>
public static class ActionHashes
{
    /// <summary>What a confirmation binds to: the tool and its arguments.</summary>
    public static string Args(string tool, JsonNode? args) =>
        Sha256(new JsonObject { ["tool"] = tool, ["args"] = Canonical(args) });

    /// <summary>What an idempotency key binds to: session, tool and arguments.</summary>
    public static string Request(ActionSubmission submission)
    {
        JsonNode? args;
        try
        {
            args = JsonNode.Parse(submission.Args);
        }
        catch (JsonException)
        {
            args = JsonValue.Create(submission.Args);
        }

        return Sha256(new JsonObject { ["session_id"] = submission.SessionId, ["tool"] = submission.Tool, ["args"] = Canonical(args) });
    }

    public static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Canonical).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    private static string Sha256(JsonNode node) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(node.ToJsonString()))).ToLowerInvariant();
}
