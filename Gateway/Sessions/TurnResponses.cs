using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Gateway.Sessions;

/// <summary>The body of <c>POST /v1/sessions/{id}/turns</c>: the user's text and, optionally, the turn's correlation id.</summary>
public sealed record RunTurnRequest(string? Text, string? CorrelationId);

/// <summary>What one turn produced; <c>degraded</c> says memory or router was unavailable, <c>errors</c> why.</summary>
public sealed record TurnResponse(
    string TurnId,
    string CorrelationId,
    string AssistantText,
    IReadOnlyList<MemoryHit> Memories,
    IReadOnlyList<TurnActionResponse> Actions,
    bool Degraded,
    IReadOnlyList<string> Errors)
{
    public static TurnResponse From(TurnResult result) => new(
        result.TurnId,
        result.CorrelationId,
        result.AssistantText,
        result.Memories,
        result.Actions.Select(a => new TurnActionResponse(a.ActionId, a.Tool, a.Status, a.ArgsHash)).ToList(),
        result.Degraded,
        result.Errors);
}

/// <summary>An action the turn proposed; <c>args_hash</c> (to approve it with) only while it awaits confirmation.</summary>
public sealed record TurnActionResponse(
    string ActionId,
    string Tool,
    string Status,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? ArgsHash);
