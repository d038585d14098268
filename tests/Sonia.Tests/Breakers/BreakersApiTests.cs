using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Hosting.Correlation;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Breakers;

[Collection(SoniaClusterCollection.Name)]
public sealed class BreakersApiTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task List_ShowsEveryConfiguredBreakerWithItsState()
    {
        var body = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/breakers");

        var names = body.GetProperty("breakers").EnumerateArray().Select(b => b.GetProperty("name").GetString()).ToList();
        Assert.Contains("memory", names);
        Assert.Contains("router", names);
        Assert.Contains("executor", names);
        var memory = body.GetProperty("breakers").EnumerateArray().Single(b => b.GetProperty("name").GetString() == "memory");
        Assert.Equal("closed", memory.GetProperty("state").GetString());
        Assert.True(memory.TryGetProperty("since", out _));
        Assert.True(memory.GetProperty("window").TryGetProperty("failure_ratio", out _));
    }

    [Fact]
    public async Task Get_ReturnsSeriesTransitionsAndManualActions()
    {
        using var response = await fixture.Http.GetAsync("/v1/breakers/router?minutes=60");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var detail = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("router", detail.GetProperty("breaker").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Array, detail.GetProperty("minutes").ValueKind);
        Assert.Equal(JsonValueKind.Array, detail.GetProperty("transitions").ValueKind);
        Assert.Equal(JsonValueKind.Array, detail.GetProperty("manual_actions").ValueKind);
    }

    [Theory]
    [InlineData("/v1/breakers/nope")]
    [InlineData("/v1/breakers/nope/reset")]
    [InlineData("/v1/breakers/nope/isolate")]
    public async Task UnknownName_Is404Problem(string path)
    {
        using var response = path.EndsWith("nope", StringComparison.Ordinal)
            ? await fixture.Http.GetAsync(path)
            : await fixture.Http.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1441)]
    public async Task Get_MinutesOutOfRange_Is400(int minutes)
    {
        using var response = await fixture.Http.GetAsync($"/v1/breakers/router?minutes={minutes}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task IsolateThenReset_AreAuditedWithActorAndCorrelationId()
    {
        var correlationId = $"manual-{Guid.NewGuid():N}";
        using var isolate = new HttpRequestMessage(HttpMethod.Post, "/v1/breakers/t-manual/isolate") { Content = JsonContent.Create(new { reason = "drill" }) };
        isolate.Headers.Add(CorrelationId.HeaderName, correlationId);
        isolate.Headers.Add("X-Actor", "alice@ops");

        using var isolated = await fixture.Http.SendAsync(isolate);
        Assert.Equal(HttpStatusCode.OK, isolated.StatusCode);
        Assert.Equal("isolated", (await isolated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());

        using var reset = await fixture.Http.PostAsync("/v1/breakers/t-manual/reset", null);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal("closed", (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());

        var detail = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/breakers/t-manual");
        var actions = detail.GetProperty("manual_actions").EnumerateArray().ToList();
        var first = actions.Single(a => a.GetProperty("correlation_id").GetString() == correlationId);
        Assert.Equal("isolate", first.GetProperty("action").GetString());
        // X-Actor is not believed: the actor is the authenticated key, "local" in open local mode.
        Assert.Equal("local", first.GetProperty("actor").GetString());
        Assert.Equal("drill", first.GetProperty("reason").GetString());
        Assert.Contains(actions, a => a.GetProperty("action").GetString() == "reset" && a.GetProperty("actor").GetString() == "local");
        var transitions = detail.GetProperty("transitions").EnumerateArray().Select(t => t.GetProperty("to").GetString()).ToList();
        Assert.Equal(["isolated", "closed"], transitions.TakeLast(2));
    }

    [Fact]
    public async Task BadReasonOrBody_Is400AndChangesNothing()
    {
        var before = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/breakers/executor");
        using var tooLong = new HttpRequestMessage(HttpMethod.Post, "/v1/breakers/executor/isolate") { Content = JsonContent.Create(new { reason = new string('r', 501) }) };
        using var notJson = new HttpRequestMessage(HttpMethod.Post, "/v1/breakers/executor/isolate") { Content = new StringContent("{oops", System.Text.Encoding.UTF8, "application/json") };

        foreach (var request in new[] { tooLong, notJson })
        {
            using var response = await fixture.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        var after = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/breakers/executor");
        Assert.Equal(before.GetProperty("breaker").GetProperty("version").GetInt64(), after.GetProperty("breaker").GetProperty("version").GetInt64());
        Assert.Equal(before.GetProperty("manual_actions").GetArrayLength(), after.GetProperty("manual_actions").GetArrayLength());
    }
}
