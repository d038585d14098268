namespace Sonia.Gateway.OpenApi;

/// <summary>
/// The problem statuses each operation can answer besides 400 and 503 (which every operation can: a malformed
/// <c>X-Correlation-ID</c>, an unreachable cluster). Kept next to the document rather than on the map lines.
/// </summary>
public static class ErrorResponses
{
    private static readonly Dictionary<string, int[]> Extra = new(StringComparer.Ordinal)
    {
        ["GetSession"] = [404],
        ["GetBreaker"] = [404],
        ["ResetBreaker"] = [404, 415],
        ["IsolateBreaker"] = [404, 415],
        ["SubmitAction"] = [404, 409, 415],
        ["GetAction"] = [404],
        ["ApproveAction"] = [404, 409, 415],
        ["DenyAction"] = [404, 409, 415],
        ["GetDeadLetter"] = [404],
        ["ReplayDeadLetter"] = [404, 409, 415],
        ["DiscardDeadLetter"] = [404, 409, 415],
        ["ReplayDeadLetters"] = [415],
        ["GetReplayJob"] = [404],
        ["CancelReplayJob"] = [404],
    };

    /// <summary>Every problem status <paramref name="operationId"/> can answer.</summary>
    public static IEnumerable<int> For(string? operationId) =>
        new[] { StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable }
            .Concat(operationId is not null && Extra.TryGetValue(operationId, out var extra) ? extra : [])
            .Order();
}
