using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Hosting.Correlation;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Correlation;

[Collection(SoniaClusterCollection.Name)]
public sealed class GatewayCorrelationTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task SuppliedHeader_IsEchoedAndReachesTheGrain()
    {
        var id = $"client.{Guid.NewGuid():N}:a-b";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions");
        request.Headers.Add(CorrelationId.HeaderName, id);

        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(id, Assert.Single(response.Headers.GetValues(CorrelationId.HeaderName)));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, body.GetProperty("correlation_id").GetString());
    }

    [Fact]
    public async Task MissingHeader_GetsGeneratedRequestId()
    {
        using var response = await fixture.Http.GetAsync("/healthz");

        var id = Assert.Single(response.Headers.GetValues(CorrelationId.HeaderName));
        Assert.Matches("^req_[0-9A-Z]{26}$", id);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("slash/es")]
    public async Task BadHeader_Is400ProblemWithCorrelationId(string bad)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sessions");
        request.Headers.TryAddWithoutValidation(CorrelationId.HeaderName, bad);

        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var echoed = Assert.Single(response.Headers.GetValues(CorrelationId.HeaderName));
        Assert.Equal(echoed, problem.GetProperty("correlation_id").GetString());
        Assert.StartsWith("req_", echoed);
    }

    [Fact]
    public async Task TooLongHeader_Is400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add(CorrelationId.HeaderName, new string('a', CorrelationId.MaxLength + 1));

        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task HeaderOfMaxLength_IsAccepted()
    {
        var id = new string('a', CorrelationId.MaxLength);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add(CorrelationId.HeaderName, id);

        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, Assert.Single(response.Headers.GetValues(CorrelationId.HeaderName)));
    }
}
