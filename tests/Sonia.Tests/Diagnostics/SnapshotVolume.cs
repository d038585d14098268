using System.Globalization;
using Sonia.Hosting.Database;

namespace Sonia.Tests.Diagnostics;

/// <summary>
/// The volume the snapshot must answer on (100,000 actions, 10,000 dead letters), seeded set-based with generate_series
/// into a database of its own. Action g (1..<see cref="Actions"/>) is created at <c>base + g s</c>; the first
/// <see cref="DeadLetters"/> are dead-lettered, each with its dead letter; of the rest, those with g % 100 of 1, 2 and 3
/// are queued, executing and awaiting confirmation, the others succeeded. Every action has two audit rows.
/// Shared with the benchmark project, which links this file.
/// </summary>
public sealed class SnapshotVolume(DatabaseOptions database, int actions = 100_000, int deadLetters = 10_000)
{
    public static readonly string[] FailureClasses = ["executor_error", "timeout", "breaker_open", "rejected"];

    public int Actions => actions;

    public int DeadLetters => deadLetters;

    /// <summary>Action g's creation time; the newest action is a minute old when seeded.</summary>
    public DateTimeOffset Base { get; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - actions - 60);

    public static string ActionId(int g) => $"act_{g:D26}";

    public static string DlqId(int g) => $"dlq_{g:D26}";

    public string StatusOf(int g) => g <= deadLetters ? "dead_lettered" : (g % 100) switch
    {
        1 => "queued",
        2 => "executing",
        3 => "awaiting_confirmation",
        _ => "succeeded",
    };

    /// <summary>Dead letter g's failure class; every fifth one has been replayed, the others are unresolved.</summary>
    public static string FailureClassOf(int g) => FailureClasses[g % FailureClasses.Length];

    public static bool IsUnresolved(int g) => g % 5 != 0;

    public async Task SeedAsync()
    {
        await ExecuteAsync("""
            INSERT INTO sonia.actions (action_id, session_id, tool, args, args_hash, request_hash, idempotency_key, status,
                requires_confirmation, attempts, failure_class, error, result, correlation_id, replay_of, dlq_id, created_at,
                updated_at, expires_at, next_attempt_at, lease_until, version, submitted_by)
            SELECT 'act_' || lpad(g::text, 26, '0'), 'ses_volume', 'echo', '{"n":' || g || '}', repeat('0', 64), repeat('0', 64),
                   'volume-' || g,
                   CASE WHEN g <= @dead THEN 'dead_lettered' WHEN g % 100 = 1 THEN 'queued' WHEN g % 100 = 2 THEN 'executing'
                        WHEN g % 100 = 3 THEN 'awaiting_confirmation' ELSE 'succeeded' END,
                   g % 100 = 3, 1, CASE WHEN g <= @dead THEN 'executor_error' END, NULL, NULL, 'corr-' || g, NULL,
                   CASE WHEN g <= @dead THEN 'dlq_' || lpad(g::text, 26, '0') END,
                   @base + g * interval '1 second', @base + g * interval '1 second' + interval '200 milliseconds',
                   NULL, NULL, NULL, 3, 'volume'
            FROM generate_series(1, @n) AS g
            """);
        await ExecuteAsync("""
            INSERT INTO sonia.action_audit (action_id, from_status, to_status, at, actor, correlation_id, detail)
            SELECT action_id, s.from_status, CASE WHEN s.from_status IS NULL THEN 'queued' ELSE status END,
                   CASE WHEN s.from_status IS NULL THEN created_at ELSE updated_at END, 'volume', correlation_id, NULL
            FROM sonia.actions CROSS JOIN (VALUES (NULL::varchar), ('queued')) AS s(from_status)
            ORDER BY created_at, s.from_status NULLS FIRST
            """);
        await ExecuteAsync("""
            INSERT INTO sonia.dead_letters (dlq_id, action_id, correlation_id, failure_class, error_type, error_message, attempts, tool,
                args, idempotency_key, status, created_at, resolved_at, resolved_by, resolution_reason, replay_action_id)
            SELECT 'dlq_' || lpad(g::text, 26, '0'), 'act_' || lpad(g::text, 26, '0'), 'corr-' || g,
                   (ARRAY['executor_error', 'timeout', 'breaker_open', 'rejected'])[g % 4 + 1], 'Seeded', 'seeded failure', 3, 'echo',
                   '{"n":' || g || '}', 'volume-' || g, CASE WHEN g % 5 = 0 THEN 'replayed' ELSE 'unresolved' END,
                   @base + g * interval '1 second' + interval '500 milliseconds',
                   CASE WHEN g % 5 = 0 THEN @base + g * interval '1 second' + interval '1 hour' END,
                   CASE WHEN g % 5 = 0 THEN 'volume' END, NULL, NULL
            FROM generate_series(1, @dead) AS g
            """);

        await VacuumAsync();
    }

    /// <summary>
    /// What autovacuum does within a minute on a live database: statistics, and the visibility map that lets the planner
    /// answer from an index alone. A transaction running elsewhere on the server can keep VACUUM from marking pages
    /// all-visible, so it is repeated until every page is (or half a minute has passed).
    /// </summary>
    public async Task VacuumAsync()
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            await ExecuteAsync("VACUUM ANALYZE sonia.actions");
            await ExecuteAsync("VACUUM ANALYZE sonia.action_audit");
            await ExecuteAsync("VACUUM ANALYZE sonia.dead_letters");
            await using var connection = database.CreateConnection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM pg_class WHERE relnamespace = 'sonia'::regnamespace " +
                "AND relname IN ('actions', 'action_audit', 'dead_letters') AND relallvisible < relpages";
            if (Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 300;
        foreach (var (name, value) in new (string, object)[] { ("n", actions), ("dead", deadLetters), ("base", Base) })
        {
            if (sql.Contains('@' + name, StringComparison.Ordinal))
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }
        }

        await command.ExecuteNonQueryAsync();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{actions} actions, {deadLetters} dead letters");
}
