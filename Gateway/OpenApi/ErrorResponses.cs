namespace Sonia.Gateway.OpenApi;

/// <summary>
/// The problem statuses each operation can answer besides 400 and 503 (which every operation can: a malformed
/// <c>X-Correlation-ID</c>, an unreachable cluster). Kept next to the document rather than on the map lines.
/// Every operation that needs a key can also answer 401, 403 and 429; every one that takes a body, 413.
/// </summary>
public static class ErrorResponses
{
    private static readonly Dictionary<string, int[]> Extra = new(StringComparer.Ordinal)
    {
        ["GetSession"] = [404],
        ["RunTurn"] = [404, 415],
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
        ["CreateBackup"] = [415],
        ["GetBackup"] = [404],
        ["VerifyBackup"] = [404],
        ["RestoreBackupDlq"] = [404, 409, 415],
        ["ExportBackup"] = [404, 409],
        ["RecordGateRun"] = [415],
    };

    private static readonly int[] Keyed =
        [StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status429TooManyRequests];

    /// <summary>Statuses whose answer carries <c>Retry-After</c>.</summary>
    public static readonly IReadOnlySet<int> RetryAfter =
        new HashSet<int> { StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable };

    /// <summary>Every problem status <paramref name="operationId"/> can answer.</summary>
    /// <param name="operationId">The endpoint's name.</param>
    /// <param name="keyed">The endpoint declares a role (every one but the health probes).</param>
    /// <param name="method">Its HTTP method: a POST takes a body, which may be too large.</param>
    public static IEnumerable<int> For(string? operationId, bool keyed, string method) =>
        new[] { StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable }
            .Concat(operationId is not null && Extra.TryGetValue(operationId, out var extra) ? extra : [])
            .Concat(keyed ? Keyed : [])
            .Concat(HttpMethods.IsPost(method) ? [StatusCodes.Status413PayloadTooLarge] : [])
            .Distinct()
            .Order();
}
