using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Api;

/// <summary>Issue 9, item 6: the tool registry is readable over HTTP, as configured.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class ToolsApiTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task ListTools_ShowsEveryRegisteredTool_WithSchemaConfirmationTimeoutRetryAndBreaker()
    {
        var body = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/tools");

        var tools = body.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Superset(new HashSet<string> { "echo", "note.save", "note.delete", "drill.fail", "drill.sleep", "t.http", "t.expiring" },
            tools.Keys.ToHashSet());

        var noteSave = tools["note.save"];
        Assert.Equal("object", noteSave.GetProperty("args_schema").GetProperty("type").GetString());
        Assert.Equal("text", noteSave.GetProperty("args_schema").GetProperty("required")[0].GetString());
        Assert.False(noteSave.GetProperty("requires_confirmation").GetBoolean());
        Assert.Equal(JsonValueKind.Null, noteSave.GetProperty("confirmation_timeout_seconds").ValueKind);

        Assert.True(tools["note.delete"].GetProperty("requires_confirmation").GetBoolean());
        Assert.Equal(1800, tools["note.delete"].GetProperty("confirmation_timeout_seconds").GetDouble());
        Assert.Equal(1, tools["t.expiring"].GetProperty("confirmation_timeout_seconds").GetDouble());

        var sleep = tools["drill.sleep"];
        Assert.Equal(0.3, sleep.GetProperty("timeout_seconds").GetDouble());
        Assert.Equal(2, sleep.GetProperty("retry").GetProperty("max_attempts").GetInt32());
        Assert.Equal(0.01, sleep.GetProperty("retry").GetProperty("backoff_base_seconds").GetDouble());
        Assert.Equal(["rejected"], sleep.GetProperty("retry").GetProperty("never_retry").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("executor.drill", sleep.GetProperty("breaker").GetString());

        Assert.Equal("fake", tools["t.http"].GetProperty("executor").GetString());
        Assert.Equal("executor.fake", tools["t.http"].GetProperty("breaker").GetString());
        Assert.Equal(10, tools["t.http"].GetProperty("timeout_seconds").GetDouble());
    }

    [Fact]
    public async Task ListTools_NeverShowsAnExecutorSecret()
    {
        var text = await fixture.Http.GetStringAsync("/v1/tools");

        Assert.DoesNotContain("test-secret-api-key", text, StringComparison.Ordinal);
    }
}
