using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.DeadLetters;

/// <summary>Makes dead letters the way production does: an action that fails for good.</summary>
public static class DeadLetterMaker
{
    /// <summary>An HTTP action that fails its 3 attempts (503) and would succeed on the 4th request of its key.</summary>
    public static async Task<JsonElement> DeadLetteredAsync(ActionsClient actions, string? correlationId = null)
    {
        var id = await actions.SubmitAcceptedAsync("t.http", new { mode = "flaky", fail_first = 3, marker = Guid.NewGuid().ToString("N") }, correlationId);
        var action = await actions.WaitAsync(id);
        ActionsClient.AssertStatus(ActionStatuses.DeadLettered, action);
        return action;
    }

    /// <summary>A digest of every row of every sonia table, to prove that something changed nothing.</summary>
    public static async Task<string> SoniaDigestAsync(Sonia.Hosting.Database.DatabaseOptions database)
    {
        var parts = new List<string>();
        foreach (var table in new[] { "actions", "action_audit", "action_attempts", "dead_letters", "executions", "memories" })
        {
            parts.Add((string?)await TestSql.ScalarAsync(database,
                $"SELECT COALESCE(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') FROM sonia.{table} t") ?? "empty");
        }

        return string.Join(',', parts);
    }
}
