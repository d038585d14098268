using System.Text.Json;
using System.Text.Json.Serialization;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Gateway.Actions;

/// <summary>Body of <c>POST /v1/actions</c>; <c>args</c> is any JSON object, checked against the tool's schema.</summary>
public sealed record SubmitActionRequest(string? SessionId, string? Tool, JsonElement? Args, string? IdempotencyKey);

public sealed record ApproveActionRequest(string? ArgsHash);

public sealed record DenyActionRequest(string? Reason);

/// <summary>An action as the API returns it: its args and result as JSON, not as strings.</summary>
public sealed record ActionResponse(
    string ActionId,
    string? SessionId,
    string Tool,
    JsonElement Args,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ArgsHash,
    string IdempotencyKey,
    string Status,
    bool RequiresConfirmation,
    int Attempts,
    string? FailureClass,
    string? Error,
    JsonElement? Result,
    string CorrelationId,
    string? ReplayOf,
    string? DlqId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? NextAttemptAt,
    IReadOnlyList<AuditEntry>? Audit,
    IReadOnlyList<AttemptView>? AttemptLog)
{
    /// <summary>The key that submitted the action (null for actions recorded before keys existed).</summary>
    public string? SubmittedBy { get; init; }

    public static ActionResponse From(ActionView view) => new(
        view.ActionId, view.SessionId, view.Tool, Parse(view.Args)!.Value, view.ArgsHash, view.IdempotencyKey, view.Status,
        view.RequiresConfirmation, view.Attempts, view.FailureClass, view.Error, Parse(view.Result), view.CorrelationId,
        view.ReplayOf, view.DlqId, view.CreatedAt, view.UpdatedAt, view.ExpiresAt, view.NextAttemptAt, view.Audit, view.AttemptLog)
    {
        SubmittedBy = view.SubmittedBy,
    };

    // One parse into an element of its own: no pooled document to copy out of (a clone per args and result, per response).
    private static JsonElement? Parse(string? json) => json is null ? null : JsonElement.Parse(json);
}

public sealed record ActionList(IReadOnlyList<ActionResponse> Actions);
