using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Sessions;

[Collection(SoniaClusterCollection.Name)]
public sealed class SessionsApiTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task OpenThenGet_ReturnsTheSameSessionInSnakeCase()
    {
        using var created = await fixture.Http.PostAsync("/v1/sessions", null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var session = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = session.GetProperty("session_id").GetString()!;
        Assert.Equal($"/v1/sessions/{id}", created.Headers.Location?.OriginalString);

        using var read = await fixture.Http.GetAsync($"/v1/sessions/{id}");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var again = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, again.GetProperty("session_id").GetString());
        Assert.Equal(session.GetProperty("created_at").GetDateTimeOffset(), again.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal(session.GetProperty("correlation_id").GetString(), again.GetProperty("correlation_id").GetString());
        Assert.Equal(0, again.GetProperty("turn_count").GetInt32());
    }

    [Fact]
    public async Task Get_UnknownSession_Is404Problem()
    {
        var unknown = Sonia.Grains.Interfaces.Sessions.SessionIds.New();

        using var response = await fixture.Http.GetAsync($"/v1/sessions/{unknown}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.StartsWith("req_", problem.GetProperty("correlation_id").GetString());
    }

    [Fact]
    public async Task Get_UnknownSession_DoesNotCreateIt()
    {
        var unknown = Sonia.Grains.Interfaces.Sessions.SessionIds.New();
        using var first = await fixture.Http.GetAsync($"/v1/sessions/{unknown}");
        using var second = await fixture.Http.GetAsync($"/v1/sessions/{unknown}");

        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        Assert.Equal(0, await StoredRowsAsync(unknown));
    }

    [Theory]
    [InlineData("not-a-session")]
    [InlineData("ses_tooshort")]
    [InlineData("ses_0000000000000000000000000U")]
    public async Task Get_MalformedId_Is400Problem(string id)
    {
        using var response = await fixture.Http.GetAsync($"/v1/sessions/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Open_PersistsStateAsSnakeCaseJson()
    {
        using var created = await fixture.Http.PostAsync("/v1/sessions", null);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_id").GetString()!;

        var json = (string?)await TestSql.ScalarAsync(
            fixture.Database,
            "SELECT convert_from(payloadbinary, 'UTF8') FROM orleansstorage WHERE grainidextensionstring = @id",
            ("id", id));

        Assert.NotNull(json);
        var stored = JsonDocument.Parse(json).RootElement;
        Assert.True(stored.TryGetProperty("created_at", out _));
        Assert.True(stored.TryGetProperty("correlation_id", out _));
        Assert.DoesNotContain("$type", json);
    }

    private Task<long> StoredRowsAsync(string id) => TestSql.CountAsync(
        fixture.Database,
        "SELECT COUNT(*) FROM orleansstorage WHERE grainidextensionstring = @id AND payloadbinary IS NOT NULL",
        ("id", id));
}
