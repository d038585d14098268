using System.Text.Json;
using Sonia.Gateway.Actions;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Gateway.Streaming;

/// <summary>One frame a client sent, checked: only the fields its type admits, each of the right shape.</summary>
public sealed record ClientFrame(string Type)
{
    public const string Auth = "auth";
    public const string InputText = "input.text";
    public const string Approve = "action.approve";
    public const string Deny = "action.deny";

    public string? Key { get; init; }

    public string? Text { get; init; }

    public string? CorrelationId { get; init; }

    public string? ActionId { get; init; }

    public string? ArgsHash { get; init; }

    public string? Reason { get; init; }
}

/// <summary>Why a frame was refused; <see cref="CorrelationId"/> is the frame's own when it could be read.</summary>
public sealed record FrameError(string Code, string Message, string? CorrelationId = null);

/// <summary>
/// Reads client frames. A frame is a JSON object of string fields; what a type requires and admits is listed once in
/// <see cref="Shapes"/>. Messages name fields, never their values: an <c>auth</c> frame's key must not come back.
/// </summary>
public static class ClientFrames
{
    public const string InvalidJson = "invalid_json";
    public const string InvalidFrame = "invalid_frame";
    public const string UnknownType = "unknown_type";
    public const string TextTooLong = "text_too_long";

    private const string Type = "type";

    private static readonly Dictionary<string, (string[] Required, string[] Optional)> Shapes = new(StringComparer.Ordinal)
    {
        [ClientFrame.Auth] = (["key"], []),
        [ClientFrame.InputText] = (["text"], ["correlation_id"]),
        [ClientFrame.Approve] = (["action_id", "args_hash"], ["correlation_id"]),
        [ClientFrame.Deny] = (["action_id"], ["reason", "correlation_id"]),
    };

    /// <summary>The frame types a client may send, for documentation and errors.</summary>
    public static IEnumerable<string> Types => Shapes.Keys;

    public static ClientFrame? Parse(ReadOnlyMemory<byte> utf8, int maxTextLength, out FrameError? error)
    {
        error = null;
        Dictionary<string, string> fields;
        try
        {
            using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = new FrameError(InvalidJson, "a frame must be one JSON object");
                return null;
            }

            fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    error = new FrameError(InvalidFrame, $"{Printable(property.Name)} must be a string");
                    return null;
                }

                if (!fields.TryAdd(property.Name, property.Value.GetString()!))
                {
                    error = new FrameError(InvalidFrame, $"{Printable(property.Name)} appears twice");
                    return null;
                }
            }
        }
        catch (JsonException)
        {
            // Not the exception's message: it quotes the bytes where parsing stopped, which may be part of a key.
            error = new FrameError(InvalidJson, "the frame is not valid JSON (UTF-8 text, one object)");
            return null;
        }

        var supplied = fields.GetValueOrDefault("correlation_id");
        var correlationId = Hosting.Correlation.CorrelationId.IsValid(supplied) ? supplied : null;
        error = Check(fields, maxTextLength);
        if (error is not null)
        {
            error = error with { CorrelationId = correlationId };
            return null;
        }

        return new ClientFrame(fields[Type])
        {
            Key = fields.GetValueOrDefault("key"),
            Text = fields.GetValueOrDefault("text"),
            CorrelationId = correlationId,
            ActionId = fields.GetValueOrDefault("action_id"),
            ArgsHash = fields.GetValueOrDefault("args_hash"),
            Reason = fields.GetValueOrDefault("reason"),
        };
    }

    private static FrameError? Check(Dictionary<string, string> fields, int maxTextLength)
    {
        if (!fields.TryGetValue(Type, out var type))
        {
            return new FrameError(InvalidFrame, "type is required");
        }

        if (!Shapes.TryGetValue(type, out var shape))
        {
            return new FrameError(UnknownType, $"type must be one of {string.Join(", ", Types)}");
        }

        if (shape.Required.FirstOrDefault(f => !fields.ContainsKey(f)) is { } missing)
        {
            return new FrameError(InvalidFrame, $"{missing} is required in {type}");
        }

        if (fields.Keys.FirstOrDefault(f => f != Type && !shape.Required.Contains(f) && !shape.Optional.Contains(f)) is { } unknown)
        {
            return new FrameError(InvalidFrame, $"{Printable(unknown)} is not a field of {type}");
        }

        return CheckValues(fields, maxTextLength);
    }

    private static FrameError? CheckValues(Dictionary<string, string> fields, int maxTextLength)
    {
        if (fields.TryGetValue("text", out var text) && string.IsNullOrWhiteSpace(text))
        {
            return new FrameError(InvalidFrame, "text must not be empty");
        }

        if (text is { Length: var length } && length > maxTextLength)
        {
            return new FrameError(TextTooLong, $"text must be at most {maxTextLength} characters");
        }

        if (fields.TryGetValue("correlation_id", out var correlationId) && !Hosting.Correlation.CorrelationId.IsValid(correlationId))
        {
            return new FrameError(InvalidFrame,
                $"correlation_id must be at most {Hosting.Correlation.CorrelationId.MaxLength} characters of [A-Za-z0-9._:-]");
        }

        if (fields.TryGetValue("action_id", out var actionId) && !ActionIds.IsValid(actionId))
        {
            return new FrameError(InvalidFrame, "action_id must be 'act_' followed by a 26-character ULID");
        }

        if (fields.TryGetValue("args_hash", out var hash) && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit)))
        {
            return new FrameError(InvalidFrame, "args_hash must be the 64-character hex hash of action.confirmation_required");
        }

        if (fields.TryGetValue("reason", out var reason) && reason.Length > ActionsApi.MaxReasonLength)
        {
            return new FrameError(InvalidFrame, $"reason must be at most {ActionsApi.MaxReasonLength} characters");
        }

        return fields.TryGetValue("key", out var key) && key.Length is 0 or > KeyRing.MaxKeyLength
            ? new FrameError(InvalidFrame, $"key must be 1-{KeyRing.MaxKeyLength} characters")
            : null;
    }

    /// <summary>A field name fit to quote back: a client's own name, cut short and without control characters.</summary>
    private static string Printable(string name) =>
        name.Length <= 64 && !name.Any(char.IsControl) ? name : "a field";
}
