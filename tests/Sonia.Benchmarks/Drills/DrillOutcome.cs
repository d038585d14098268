using Npgsql;
using Sonia.Tests.Infrastructure;

namespace Sonia.Benchmarks.Drills;

/// <summary>
/// What became of a drill's accepted actions. <see cref="Lost"/>: accepted (202) but absent from the ledger or not
/// terminal when the drill stopped waiting. <see cref="Duplicated"/>: accepted actions whose effect ran at the executor
/// under more than one idempotency key, or more than once under one (counted as the requests arrive).
/// </summary>
public sealed record DrillOutcome(int Accepted, int Completed, int DeadLettered, int Lost, int Duplicated)
{
    /// <summary>Terminal statuses (see ActionStatuses.IsTerminal) by action id; absent ids are not in the ledger.</summary>
    public static async Task<Dictionary<string, string>> StatusesAsync(string connectionString, IReadOnlyList<string> ids)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT action_id, status FROM sonia.actions WHERE action_id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statuses[reader.GetString(0)] = reader.GetString(1);
        }

        return statuses;
    }

    /// <summary>How many of <paramref name="ids"/> hold a lease of the silo on <paramref name="siloPort"/> (any generation).</summary>
    public static Task<long> LeasedByAsync(string connectionString, IReadOnlyList<string> ids, int siloPort) =>
        ScalarAsync(connectionString, "SELECT COUNT(*) FROM sonia.actions WHERE action_id = ANY(@ids) AND lease_owner LIKE @owner",
            ("ids", ids.ToArray()), ("owner", $"%:{siloPort}@%"));

    /// <summary>Active silos (status 3) of <paramref name="clusterId"/> in the membership table.</summary>
    public static Task<long> ActiveSilosAsync(string connectionString, string clusterId) =>
        ScalarAsync(connectionString, "SELECT COUNT(*) FROM orleansmembership WHERE deploymentid = @cluster AND status = 3", ("cluster", clusterId));

    private static async Task<long> ScalarAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<bool> AllTerminalAsync(string connectionString, IReadOnlyList<string> ids)
    {
        var statuses = await StatusesAsync(connectionString, ids);
        return ids.All(id => statuses.TryGetValue(id, out var s) && Grains.Interfaces.Actions.ActionStatuses.IsTerminal(s));
    }

    public static async Task<DrillOutcome> CountAsync(string connectionString, IReadOnlyList<string> ids, FakeExecutor executor)
    {
        var statuses = await StatusesAsync(connectionString, ids);
        var accepted = ids.ToHashSet(StringComparer.Ordinal);
        var effects = executor.Requests.Where(r => accepted.Contains(r.ActionId))
            .GroupBy(r => r.ActionId)
            .Select(g => g.Select(r => r.IdempotencyKey).Distinct().Sum(executor.EffectsFor))
            .Count(n => n > 1);
        return new DrillOutcome(
            ids.Count,
            ids.Count(id => statuses.GetValueOrDefault(id) == Grains.Interfaces.Actions.ActionStatuses.Succeeded),
            ids.Count(id => statuses.GetValueOrDefault(id) == Grains.Interfaces.Actions.ActionStatuses.DeadLettered),
            ids.Count(id => !statuses.TryGetValue(id, out var s) || !Grains.Interfaces.Actions.ActionStatuses.IsTerminal(s)),
            effects);
    }
}
