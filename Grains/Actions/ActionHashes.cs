using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions;

/// <summary>
/// SHA-256 over RFC 8785 canonical JSON (<see cref="JsonCanonicalizer"/>), so arguments that mean the same
/// (<c>{"n":1}</c> and <c>{ "n": 1.0 }</c>) hash the same and a confirmation binds to their meaning, not their spelling.
/// </summary>
/// <remarks>
/// Hashes are computed once, at submission, and stored with the action; nothing recomputes them from stored
/// arguments. So an action submitted before canonicalisation keeps the hash its client was given, and approving it
/// with that hash still works. An idempotent retry of such a submission is recognised through
/// <see cref="IsSameRequest"/>, which also accepts the earlier (sorted keys, numbers as written) request hash.
/// </remarks>
public static class ActionHashes
{
    /// <summary>What a confirmation binds to: the tool and its arguments.</summary>
    public static string Args(string tool, JsonNode? args) =>
        Sha256(JsonCanonicalizer.Canonicalize(new JsonObject { ["tool"] = tool, ["args"] = args?.DeepClone() }.ToJsonString()));

    /// <summary>What an idempotency key binds to: session, tool and arguments (as a string when they are not JSON).</summary>
    public static string Request(ActionSubmission submission)
    {
        var payload = new JsonObject
        {
            ["session_id"] = submission.SessionId,
            ["tool"] = submission.Tool,
            ["args"] = ArgsOrText(submission.Args),
        };
        return Sha256(JsonCanonicalizer.Canonicalize(payload.ToJsonString()));
    }

    /// <summary>True when <paramref name="storedRequestHash"/> was made from this same submission, now or before RFC 8785.</summary>
    public static bool IsSameRequest(string storedRequestHash, ActionSubmission submission) =>
        storedRequestHash == Request(submission) || storedRequestHash == LegacyRequest(submission);

    private static JsonNode? ArgsOrText(string args)
    {
        try
        {
            // Canonicalising first also refuses what is not I-JSON (duplicate names, numbers out of range).
            return JsonNode.Parse(JsonCanonicalizer.Canonicalize(args));
        }
        catch (JsonException)
        {
            return JsonValue.Create(args);
        }
    }

    /// <summary>The request hash as written before canonicalisation; kept so that retries of old submissions still match.</summary>
    private static string LegacyRequest(ActionSubmission submission)
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

        try
        {
            var payload = new JsonObject { ["session_id"] = submission.SessionId, ["tool"] = submission.Tool, ["args"] = LegacySorted(args) };
            return Sha256(payload.ToJsonString());
        }
        catch (ArgumentException)
        {
            return ""; // duplicate names: no stored hash can be of this
        }
    }

    private static JsonNode? LegacySorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(
            obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, LegacySorted(p.Value)))),
        JsonArray array => new JsonArray(array.Select(LegacySorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    private static string Sha256(string canonical) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
}
