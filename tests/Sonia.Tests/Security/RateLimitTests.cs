using System.Net;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>Per-key request budgets, sized by role.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class RateLimitTests(SoniaClusterFixture fixture) : IAsyncLifetime
{
    private SecuredGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await SecuredGateway.StartAsync(fixture, new Dictionary<string, string?>
    {
        ["Sonia:Auth:RateLimits:Client"] = "3",
        ["Sonia:Auth:RateLimits:Operator"] = "0",
    });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task ClientKeyOverItsBudget_Gets429WithRetryAfter_OtherKeysDoNot()
    {
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 4; i++)
        {
            var response = await _gateway.As("client-a").GetAsync("/v1/actions?last_n=1");
            statuses.Add(response.StatusCode);
            limited = response;
        }

        using var otherClient = await _gateway.As("client-b").GetAsync("/v1/actions?last_n=1");
        var operatorStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await _gateway.As("ops-1").GetAsync("/v1/actions?last_n=1");
            operatorStatuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("application/problem+json", limited!.Content.Headers.ContentType?.MediaType);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After was {retryAfter}");
        var problem = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.OK, otherClient.StatusCode);
        Assert.All(operatorStatuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Contains("Rate limit reached for key client-a", await _gateway.LogsContainingAsync("Rate limit reached"), StringComparison.Ordinal);
        limited.Dispose();
    }
}
