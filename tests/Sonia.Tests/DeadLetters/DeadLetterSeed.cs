using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.DeadLetters;

/// <summary>
/// Thousands of unresolved dead letters (and the dead-lettered actions they point to) in one set-based INSERT, not
/// thousands of failing submissions. Record g (1..n) is created at <c>base + (g / 2) s</c>, so records share a second
/// in pairs, and its dlq id runs the other way (<c>n - g</c>), so created_at order is not id order.
/// </summary>
public sealed class DeadLetterSeed(DatabaseOptions database, string tool, int count, DateTimeOffset createdFrom)
{
    /// <summary>Six Crockford characters: makes this seed's ids unique; with a 20-digit number, a 26-character ULID body.</summary>
    public string Prefix { get; } = string.Concat(Enumerable.Range(0, 6).Select(_ => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[Random.Shared.Next(32)]));

    public string Tool => tool;

    public int Count => count;

    public DateTimeOffset CreatedFrom => createdFrom;

    public string DlqId(int g) => $"dlq_{Prefix}{count - g:D20}";

    public DateTimeOffset CreatedAt(int g) => createdFrom.AddSeconds(g / 2);

    /// <summary>Every seeded dlq id in replay order: oldest first, then by id.</summary>
    public IReadOnlyList<string> ReplayOrder() => Enumerable.Range(1, count)
        .OrderBy(CreatedAt).ThenBy(DlqId, StringComparer.Ordinal).Select(DlqId).ToList();

    /// <summary>Every tenth record's args are invalid for note.save (empty text).</summary>
    public async Task InsertAsync() => await TestSql.ScalarAsync(database, """
        WITH seeded AS (
            INSERT INTO sonia.actions (action_id, session_id, tool, args, args_hash, request_hash, idempotency_key, status,
                requires_confirmation, attempts, failure_class, error, result, correlation_id, replay_of, dlq_id, created_at,
                updated_at, expires_at, next_attempt_at, lease_until, version)
            SELECT 'act_' || @prefix || lpad(g::text, 20, '0'), NULL, @tool,
                   CASE WHEN g % 10 = 0 THEN '{"text":""}' ELSE '{"text":"seed ' || g || '"}' END,
                   repeat('0', 64), repeat('0', 64), 'seed-' || @prefix || '-' || g, 'dead_lettered', false, 3, 'unknown', 'seeded',
                   NULL, 'seed-' || @prefix, NULL, 'dlq_' || @prefix || lpad((@n - g)::text, 20, '0'),
                   @base + (g / 2) * interval '1 second', @base + (g / 2) * interval '1 second', NULL, NULL, NULL, 1
            FROM generate_series(1, @n) AS g
            RETURNING action_id, tool, args, idempotency_key, correlation_id, dlq_id, created_at)
        INSERT INTO sonia.dead_letters (dlq_id, action_id, correlation_id, failure_class, error_type, error_message, attempts, tool,
            args, idempotency_key, status, created_at)
        SELECT dlq_id, action_id, correlation_id, 'unknown', 'Seeded', 'seeded', 3, tool, args, idempotency_key, 'unresolved', created_at
        FROM seeded
        """, ("prefix", Prefix), ("tool", tool), ("n", count), ("base", createdFrom.ToUniversalTime()));

    /// <summary>Removes what <see cref="InsertAsync"/> made, so no other test ever sees it.</summary>
    public async Task DeleteAsync()
    {
        await TestSql.ScalarAsync(database, "DELETE FROM sonia.dead_letters WHERE dlq_id LIKE @like", ("like", $"dlq_{Prefix}%"));
        await TestSql.ScalarAsync(database, "DELETE FROM sonia.actions WHERE action_id LIKE @like", ("like", $"act_{Prefix}%"));
    }
}
