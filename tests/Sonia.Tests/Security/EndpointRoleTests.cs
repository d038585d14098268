using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Sonia.Gateway;
using Sonia.Gateway.Security;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>Every endpoint the gateway maps, now and later, declares the least role it admits.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class EndpointRoleTests(SoniaClusterFixture fixture)
{
    private static readonly string[] AnonymousProbes = ["/healthz", "/readyz"];

    [Fact]
    public async Task EveryEndpoint_DeclaresARole_OnlyHealthProbesAreAnonymous()
    {
        var endpoints = await EndpointsAsync();

        Assert.NotEmpty(endpoints);
        var undeclared = endpoints
            .Where(e => e.Metadata.GetMetadata<SoniaRoleMetadata>() is null && e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Select(Describe)
            .ToList();
        Assert.True(undeclared.Count == 0, $"endpoints without a declared role: {string.Join(", ", undeclared)}");

        // Besides the probes, only the API reference's static assets (script, icon) are open; its page and the
        // OpenAPI document it draws need a client key.
        var anonymous = endpoints.Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(e => e.RoutePattern.RawText!)
            .Where(route => !IsReferenceAsset(route));
        Assert.Equal(AnonymousProbes, anonymous.Order());
    }

    [Fact]
    public async Task Endpoints_DeclareTheRolesTheIssueNames()
    {
        var endpoints = await EndpointsAsync();
        var declared = endpoints.ToDictionary(Describe, e => e.Metadata.GetMetadata<SoniaRoleMetadata>()?.Role ?? "anonymous");

        var expected = new Dictionary<string, string>
        {
            ["POST /v1/sessions/"] = SoniaRoles.Client,
            ["POST /v1/sessions/{sessionId}/turns"] = SoniaRoles.Client,
            ["POST /v1/actions/"] = SoniaRoles.Client,
            ["GET /v1/actions/{actionId}"] = SoniaRoles.Client,
            // A client decides only its assistant's proposals (ActionVisibility.DecisionAccessAsync); others are a 404 to it.
            ["POST /v1/actions/{actionId}/approve"] = SoniaRoles.Client,
            ["POST /v1/actions/{actionId}/deny"] = SoniaRoles.Client,
            ["GET /v1/breakers/"] = SoniaRoles.Operator,
            ["POST /v1/breakers/{name}/isolate"] = SoniaRoles.Operator,
            ["POST /v1/dlq/{dlqId}/replay"] = SoniaRoles.Operator,
            ["POST /v1/dlq/{dlqId}/discard"] = SoniaRoles.Operator,
            ["GET /v1/health"] = SoniaRoles.Operator,
            ["GET /v1/diagnostics/snapshot"] = SoniaRoles.Operator,
            ["POST /v1/backups/"] = SoniaRoles.Admin,
            ["GET /v1/backups/"] = SoniaRoles.Admin,
            ["GET /v1/backups/{backupId}"] = SoniaRoles.Admin,
            ["GET /v1/backups/{backupId}/verify"] = SoniaRoles.Admin,
            ["POST /v1/backups/{backupId}/restore/dlq"] = SoniaRoles.Admin,
            ["GET /v1/backups/{backupId}/export"] = SoniaRoles.Admin,
            ["GET /metrics"] = SoniaRoles.Operator,
            ["GET /v1/diagnostics/bundle"] = SoniaRoles.Operator,
            ["POST /v1/releases/gate-runs"] = SoniaRoles.Admin,
            ["GET /v1/releases/gate-runs"] = SoniaRoles.Operator,
            ["GET /v1/stream"] = SoniaRoles.Client,
        };
        foreach (var (endpoint, role) in expected)
        {
            Assert.True(declared.TryGetValue(endpoint, out var actual), $"{endpoint} is not mapped; mapped: {string.Join(", ", declared.Keys)}");
            Assert.True(role == actual, $"{endpoint} admits {actual}, expected {role}");
        }
    }

    private async Task<List<RouteEndpoint>> EndpointsAsync()
    {
        // Building is enough: the endpoints exist once mapped, without the server listening.
        await using var app = GatewayApp.Build([], b => b.Configuration.AddInMemoryCollection(fixture.GatewaySettings()));
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
    }

    private static bool IsReferenceAsset(string route) =>
        route.StartsWith("/docs/", StringComparison.Ordinal)
        && (route.EndsWith(".js", StringComparison.Ordinal) || route.EndsWith(".svg", StringComparison.Ordinal));

    private static string Describe(RouteEndpoint e) =>
        $"{string.Join('|', e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])} {e.RoutePattern.RawText}";
}
