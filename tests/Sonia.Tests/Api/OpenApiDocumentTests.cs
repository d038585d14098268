using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sonia.Gateway;
using Sonia.Gateway.OpenApi;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sonia.Tests.Api;

/// <summary>Issue 9: the OpenAPI document is true to the endpoints, and the reference page is served from it.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class OpenApiDocumentTests(SoniaClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Document_ListsEveryRoute_AndEveryProblemStatus_WithTheProblemSchema()
    {
        var document = await fixture.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        // Kept to look at when an assertion fails (deleted at the end otherwise), in a file of its own: parallel runs
        // used to overwrite one another's /tmp/sonia-openapi.json.
        var saved = Path.Combine(Path.GetTempPath(), $"sonia-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(saved, document.GetRawText());
        output.WriteLine($"the document is in {saved}");
        var paths = document.GetProperty("paths");
        var endpoints = Endpoints();

        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} endpoints found");
        foreach (var (method, raw, name, keyed) in endpoints)
        {
            var route = raw.Length > 1 ? raw.TrimEnd('/') : raw;
            Assert.True(paths.TryGetProperty(route, out var path), $"{route} is not in the document");
            Assert.True(path.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {route} is not in the document");
            var responses = operation.GetProperty("responses");
            foreach (var status in ErrorResponses.For(name, keyed, method))
            {
                Assert.True(responses.TryGetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response),
                    $"{method} {route} does not document {status}");
                Assert.Equal("#/components/schemas/Problem",
                    response.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
            }
        }

        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty("Problem", out _));
        File.Delete(saved);
    }

    [Fact]
    public async Task Document_KeyedOperations_DocumentAccessAndRateLimitAnswers_WithRetryAfter()
    {
        var document = await fixture.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var submit = document.GetProperty("paths").GetProperty("/v1/actions").GetProperty("post").GetProperty("responses");
        var probe = document.GetProperty("paths").GetProperty("/readyz").GetProperty("get").GetProperty("responses");

        foreach (var status in new[] { "401", "403", "413", "429", "503" })
        {
            Assert.True(submit.TryGetProperty(status, out _), $"POST /v1/actions does not document {status}");
        }

        Assert.True(submit.GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));
        Assert.True(submit.GetProperty("503").GetProperty("headers").TryGetProperty("Retry-After", out _));
        Assert.False(probe.TryGetProperty("401", out _), "the readiness probe needs no key, so it never answers 401");
    }

    [Fact]
    public async Task Document_QueryParameters_CarryTheBoundsAndChoicesTheHandlersEnforce()
    {
        var document = await fixture.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var list = document.GetProperty("paths").GetProperty("/v1/actions").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!);

        Assert.Equal("integer", list["last_n"].GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal(1, list["last_n"].GetProperty("schema").GetProperty("minimum").GetInt32());
        Assert.Equal(500, list["last_n"].GetProperty("schema").GetProperty("maximum").GetInt32());
        Assert.Equal(ActionStatuses.All.Order(), list["status"].GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!));
        Assert.False(list["session_id"].TryGetProperty("required", out var required) && required.GetBoolean());

        // Beyond the documented bounds the handler answers 400; at them it does not.
        using var atMax = await fixture.Http.GetAsync("/v1/actions?last_n=500");
        using var pastMax = await fixture.Http.GetAsync("/v1/actions?last_n=501");
        Assert.Equal(HttpStatusCode.OK, atMax.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, pastMax.StatusCode);
    }

    [Theory]
    [InlineData("SubmitActionRequest", new[] { "session_id", "idempotency_key" })]
    [InlineData("ReplayBatchRequest", new[] { "failure_class", "tool", "since", "ids", "dry_run", "max_per_second" })]
    [InlineData("DenyActionRequest", new[] { "reason" })]
    public async Task Document_OptionalRequestFields_AreNotRequired(string schema, string[] optional)
    {
        var document = await fixture.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var body = document.GetProperty("components").GetProperty("schemas").GetProperty(schema);

        var required = body.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(e => e.GetString()).ToList() : [];
        Assert.All(optional, field => Assert.DoesNotContain(field, required));
        Assert.All(optional, field => Assert.True(body.GetProperty("properties").TryGetProperty(field, out _), $"{schema} lacks {field}"));
        Assert.DoesNotContain("\"string\"", body.GetProperty("properties").TryGetProperty("max_per_second", out var rate) ? rate.GetRawText() : "");
    }

    [Fact]
    public async Task ApiReference_IsServedAtDocs()
    {
        using var response = await fixture.Http.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("openapi/v1.json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Every route the gateway maps, from its own mapping on a bare app: building a second whole gateway in this
    /// process would move the process-wide Serilog logger away from the fixture's log file.
    /// </summary>
    private static List<(string Method, string Route, string? Name, bool Keyed)> Endpoints()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton<IClusterClient>(_ => throw new InvalidOperationException("routes are only listed"));
        builder.Services.AddSingleton(TimeProvider.System);
        var app = builder.Build();
        app.MapSoniaApi();
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/v1", StringComparison.Ordinal) || raw is "/healthz" or "/readyz"))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Where(m => m != "HEAD")
                .Select(m => (m, e.RoutePattern.RawText!, e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName,
                    e.Metadata.GetMetadata<SoniaRoleMetadata>() is not null)))
            .ToList();
    }
}
