using System.Net;
using System.Text.Json;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>SQL stays parameterised: metacharacters, quotes, control characters and non-BMP text are stored and returned verbatim.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class VerbatimStorageTests(SoniaClusterFixture fixture)
{
    public static readonly string[] Hostile =
    [
        "'; DROP TABLE sonia.actions; --", "\" OR \"\"=\"", "1' OR '1'='1", "%_\\", "$$ $1 @p :name ?",
        "tab\tline\nreturn\rbell\u0007esc\u001b", "\U0001F4A3 \U0001D11E \U00010348", "\u202eRTL \uFEFF\u200b", "é\u0301 ß ﬁ",
    ];

    [Fact]
    public async Task HostileStrings_InEveryStringField_AreStoredAndReturnedVerbatim()
    {
        var actions = new ActionsClient(fixture.Http);
        var marker = Guid.NewGuid().ToString("N");
        var args = Hostile.Select((text, i) => (Key: $"k{i}{text}", Value: text)).ToDictionary(p => p.Key, p => (object)p.Value);
        args["marker"] = marker;
        var key = $"verbatim:{marker}";

        var (status, created) = await actions.SubmitAsync("echo", args, key);
        var id = created.GetProperty("action_id").GetString()!;
        var read = await actions.GetAsync(id);
        var reason = string.Join('|', Hostile);
        var pending = await actions.SubmitAcceptedAsync("t.self-approve", new { marker });
        var (denyStatus, denied) = await actions.PostAsync($"/v1/actions/{pending}/deny", new { reason });

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(key, read.GetProperty("idempotency_key").GetString());
        foreach (var (name, value) in args)
        {
            Assert.Equal((string)value, read.GetProperty("args").GetProperty(name).GetString());
        }

        var stored = (string)(await TestSql.ScalarAsync(fixture.Database, "SELECT args FROM sonia.actions WHERE action_id = @id", ("id", id)))!;
        using var storedArgs = JsonDocument.Parse(stored);
        foreach (var (name, value) in args)
        {
            Assert.Equal((string)value, storedArgs.RootElement.GetProperty(name).GetString());
        }

        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE action_id = @id", ("id", id)));
        Assert.Equal(HttpStatusCode.OK, denyStatus);
        Assert.Equal(reason, denied.GetProperty("error").GetString());
        Assert.Equal(reason, (await actions.GetAsync(pending)).GetProperty("audit").EnumerateArray().Last().GetProperty("detail").GetString());
    }
}
