using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>Four-eyes approval and who sees which action, on a gateway with keys.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class FourEyesTests(SoniaClusterFixture fixture) : IAsyncLifetime
{
    private SecuredGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await SecuredGateway.StartAsync(fixture);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Submitter_CannotApproveItsOwnAction_AnotherOperatorCan()
    {
        var submitter = new ActionsClient(_gateway.As("ops-1"));
        var (status, created) = await submitter.SubmitAsync("note.delete", new { memory_id = $"mem_{Guid.NewGuid():N}" });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = created.GetProperty("action_id").GetString()!;
        var hash = (await submitter.GetAsync(id)).GetProperty("args_hash").GetString()!;

        var (own, refusal) = await submitter.PostAsync($"/v1/actions/{id}/approve", new { args_hash = hash });
        var stillWaiting = await submitter.GetAsync(id);
        var (other, approved) = await new ActionsClient(_gateway.As("ops-2")).PostAsync($"/v1/actions/{id}/approve", new { args_hash = hash });

        Assert.Equal(HttpStatusCode.Forbidden, own);
        Assert.Equal(403, refusal.GetProperty("status").GetInt32());
        Assert.Equal(ActionStatuses.AwaitingConfirmation, stillWaiting.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, other);
        Assert.Equal("ops-1", approved.GetProperty("submitted_by").GetString());
        var audit = (await submitter.GetAsync(id)).GetProperty("audit").EnumerateArray().ToList();
        Assert.Equal("ops-1", audit[0].GetProperty("actor").GetString());
        Assert.Contains(audit, a => a.GetProperty("to").GetString() == ActionStatuses.Approved && a.GetProperty("actor").GetString() == "ops-2");
        Assert.Equal("ops-1", await TestSql.ScalarAsync(fixture.Database, "SELECT submitted_by FROM sonia.actions WHERE action_id = @id", ("id", id)));
    }

    [Fact]
    public async Task ToolAllowingSelfApproval_LetsTheSubmitterApprove()
    {
        var submitter = new ActionsClient(_gateway.As("ops-1"));
        var id = await submitter.SubmitAcceptedAsync("t.self-approve", new { n = Guid.NewGuid().ToString("N") });
        var hash = (await submitter.GetAsync(id)).GetProperty("args_hash").GetString()!;

        var (status, _) = await submitter.PostAsync($"/v1/actions/{id}/approve", new { args_hash = hash });

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task AcceptedHighRiskAction_DoesNotHandItsSubmitterTheArgsHash_OnlyOperatorsReadIt()
    {
        var client = new ActionsClient(_gateway.As("client-a"));
        var (status, created) = await client.SubmitAsync("note.delete", new { memory_id = $"mem_{Guid.NewGuid():N}" });
        var id = created.GetProperty("action_id").GetString()!;

        var ownView = await client.GetAsync(id);
        var operatorView = await new ActionsClient(_gateway.As("ops-1")).GetAsync(id);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.False(created.TryGetProperty("args_hash", out _), created.ToString());
        Assert.False(ownView.TryGetProperty("args_hash", out _));
        Assert.Equal(64, operatorView.GetProperty("args_hash").GetString()!.Length);
        Assert.Equal("client-a", operatorView.GetProperty("submitted_by").GetString());
    }

    [Fact]
    public async Task ClientKey_SeesOnlyItsOwnActions_AnothersIs404()
    {
        var marker = Guid.NewGuid().ToString("N");
        var owner = new ActionsClient(_gateway.As("client-a"));
        var id = await owner.SubmitAcceptedAsync("echo", new { marker });

        using var other = await _gateway.As("client-b").GetAsync($"/v1/actions/{id}");
        var otherList = await _gateway.As("client-b").GetFromJsonAsync<JsonElement>("/v1/actions?last_n=500");
        var ownerList = await _gateway.As("client-a").GetFromJsonAsync<JsonElement>("/v1/actions?last_n=500");
        var operatorList = await _gateway.As("ops-1").GetFromJsonAsync<JsonElement>("/v1/actions?last_n=500");
        using var mine = await _gateway.As("client-a").GetAsync($"/v1/actions/{id}");

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(Ids(otherList), i => i == id);
        Assert.All(otherList.GetProperty("actions").EnumerateArray(), a => Assert.Equal("client-b", a.GetProperty("submitted_by").GetString()));
        Assert.Contains(id, Ids(ownerList));
        Assert.Contains(id, Ids(operatorList));
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
    }

    [Fact]
    public async Task DrillTools_NeedAnAdminKey()
    {
        var (client, _) = await new ActionsClient(_gateway.As("client-a")).SubmitAsync("drill.sleep", new { ms = 1 });
        var (ops, _) = await new ActionsClient(_gateway.As("ops-1")).SubmitAsync("drill.sleep", new { ms = 1 });
        var (admin, _) = await new ActionsClient(_gateway.As("root")).SubmitAsync("drill.sleep", new { ms = 1 });

        Assert.Equal(HttpStatusCode.Forbidden, client);
        Assert.Equal(HttpStatusCode.Forbidden, ops);
        Assert.Equal(HttpStatusCode.Accepted, admin);
    }

    private static IEnumerable<string> Ids(JsonElement list) =>
        list.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("action_id").GetString()!);
}
