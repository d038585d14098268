using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Sonia.Grains.DeadLetters;
using Sonia.Grains.Health;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Grains.Interfaces.Diagnostics;
using Sonia.Grains.Storage;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Diagnostics;

/// <summary>Reads the snapshot's actions and dead-letter sections from SQL.</summary>
public sealed class DiagnosticsReader(DatabaseOptions database)
{
    private readonly DiagnosticsSql _sql = DiagnosticsSql.For(database.Provider);
    private readonly SqlRunner _runner = new(database);

    /// <summary>
    /// The newest <paramref name="lastN"/> actions with their transitions, and the pending ones up to <paramref name="pendingCap"/>.
    /// </summary>
    public async Task<ActionsSection> ActionsAsync(int lastN, int pendingCap, CancellationToken cancellationToken = default)
    {
        var recent = new List<ActionTimelineEntry>(lastN);
        await _runner.QueryAsync(_sql.RecentActions, r => recent.Add(ReadAction(r)), cancellationToken, ("limit", lastN));
        var transitions = new Dictionary<string, List<AuditEntry>>(StringComparer.Ordinal);
        if (recent.Count > 0)
        {
            await _runner.QueryAsync(_sql.TransitionsOf, r => Transitions(transitions, r.GetString(0)).Add(new AuditEntry(
                SqlValues.ReadNullableString(r, 1), r.GetString(2), SqlValues.ReadTime(r, 3), r.GetString(4), r.GetString(5),
                SqlValues.ReadNullableString(r, 6))), cancellationToken, ("ids", JsonSerializer.Serialize(recent.Select(a => a.ActionId))));
        }

        var pending = new List<ActionTimelineEntry>();
        await _runner.QueryAsync(_sql.PendingActions, r => pending.Add(ReadAction(r)), cancellationToken, ("limit", pendingCap));
        long total = 0;
        await _runner.QueryAsync(_sql.CountPending, r => total = Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture),
            cancellationToken);
        var timeline = recent.Select(a => a with { Transitions = transitions.GetValueOrDefault(a.ActionId) ?? [] }).ToList();

        // The count is read after the list: actions queued in between make it larger, never the list "cut" by mistake.
        return new ActionsSection(timeline, pending, Math.Max(total, pending.Count), pending.Count < total && pending.Count == pendingCap);
    }

    /// <summary>Unresolved dead letters per failure class, and the newest <paramref name="lastN"/> records.</summary>
    public async Task<DeadLettersSection> DeadLettersAsync(int lastN, CancellationToken cancellationToken = default)
    {
        var unresolved = await LedgerHealthReader.UnresolvedAsync(_runner, cancellationToken);
        var recent = new List<DeadLetterView>(lastN);
        await _runner.QueryAsync(_sql.RecentDeadLetters, r => recent.Add(DeadLetterReader.Read(r)), cancellationToken, ("limit", lastN));
        return new DeadLettersSection(unresolved, recent);
    }

    private static List<AuditEntry> Transitions(Dictionary<string, List<AuditEntry>> byAction, string actionId)
    {
        if (!byAction.TryGetValue(actionId, out var list))
        {
            byAction[actionId] = list = [];
        }

        return list;
    }

    private static ActionTimelineEntry ReadAction(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), SqlValues.ReadNullableString(r, 4), r.GetString(5),
        SqlValues.ReadNullableString(r, 6), SqlValues.ReadNullableString(r, 7), SqlValues.ReadNullableString(r, 8),
        SqlValues.ReadTime(r, 9), SqlValues.ReadTime(r, 10), SqlValues.ReadNullableTime(r, 11));
}
