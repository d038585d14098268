using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>API keys and roles on a gateway that has keys configured.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class AccessTests(SoniaClusterFixture fixture) : IAsyncLifetime
{
    private SecuredGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await SecuredGateway.StartAsync(fixture);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData(null)]
    [InlineData("sk-wrong")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task MissingOrWrongKey_Is401Problem_AuditedWithoutTheKey(string? authorization)
    {
        var http = _gateway.As(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization.StartsWith("Basic", StringComparison.Ordinal) ? authorization : $"Bearer {authorization}");
        }

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("correlation_id", out _));
        var logs = await _gateway.LogsContainingAsync("Access refused (401)");
        Assert.DoesNotContain("sk-wrong", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("dXNlcjpwYXNz", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientKey_OnOperatorEndpoints_Is403Problem_Audited()
    {
        var client = _gateway.As("client-a");

        using var breakers = await client.GetAsync("/v1/breakers");
        using var dlq = await client.GetAsync("/v1/dlq");
        using var approve = await client.PostAsJsonAsync($"/v1/actions/{Sonia.Grains.Interfaces.Actions.ActionIds.New()}/approve", new { args_hash = new string('a', 64) });
        using var health = await client.GetAsync("/v1/health");

        foreach (var response in new[] { breakers, dlq, health })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        // A client may decide what its assistant proposed (SessionOwnershipTests); any other action is not found to it.
        Assert.Equal(HttpStatusCode.NotFound, approve.StatusCode);

        var logs = await _gateway.LogsContainingAsync("/v1/health for key client-a");
        Assert.Contains("Access refused (403) to GET /v1/breakers for key client-a", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(_gateway.Keys["client-a"], logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachRole_ReachesItsEndpoints()
    {
        using var session = await _gateway.As("client-a").PostAsync("/v1/sessions", null);
        using var breakers = await _gateway.As("ops-1").GetAsync("/v1/breakers");
        using var dlq = await _gateway.As("root").GetAsync("/v1/dlq");
        using var healthz = await _gateway.As(null).GetAsync("/healthz");
        using var readyz = await _gateway.As(null).GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.Created, session.StatusCode);
        Assert.Equal(HttpStatusCode.OK, breakers.StatusCode);
        Assert.Equal(HttpStatusCode.OK, dlq.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
    }

    [Fact]
    public async Task AuditedActor_IsTheKeyName_XActorIsIgnored()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/breakers/t-manual/reset") { Content = JsonContent.Create(new { reason = "who" }) };
        request.Headers.Add("X-Actor", "mallory");
        var correlationId = $"actor-{Guid.NewGuid():N}";
        request.Headers.Add("X-Correlation-ID", correlationId);

        using var response = await _gateway.As("ops-2").SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var detail = await _gateway.As("ops-2").GetFromJsonAsync<JsonElement>("/v1/breakers/t-manual");
        var manual = detail.GetProperty("manual_actions").EnumerateArray().Single(a => a.GetProperty("correlation_id").GetString() == correlationId);
        Assert.Equal("ops-2", manual.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task UnknownPath_WithoutKey_Is401_NotA404ThatMapsTheApi()
    {
        using var response = await _gateway.As(null).GetAsync("/v1/no-such-thing");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
