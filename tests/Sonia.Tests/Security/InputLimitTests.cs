using System.Net;
using System.Text;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>Oversized, over-deep and malformed input is refused with a 4xx problem before any grain sees it.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class InputLimitTests(SoniaClusterFixture fixture)
{
    private const string Fifty = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// <summary>300 characters: over the default query value limit (256).</summary>
    private const string LongValue = Fifty + Fifty + Fifty + Fifty + Fifty + Fifty;

    [Fact]
    public async Task BodyOverOneMiB_Is413Problem_AndStoresNothing()
    {
        var marker = Guid.NewGuid().ToString("N");
        var body = JsonSerializer.Serialize(new { tool = "echo", args = new { marker, pad = new string('x', 1024 * 1024) } });

        // Expect: 100-continue, as a careful client sends a large body: the gateway refuses it from Content-Length
        // alone, before the body is sent (without it, the client may still be writing when the answer comes).
        using var sizedRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/actions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        sizedRequest.Headers.ExpectContinue = true;
        using var sized = await fixture.Http.SendAsync(sizedRequest);
        using var chunked = await fixture.Http.PostAsync("/v1/actions", new ChunkedContent(body));

        foreach (var response in new[] { sized, chunked })
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE args LIKE @m", ("m", $"%{marker}%")));
    }

    [Theory]
    [InlineData(31, HttpStatusCode.Accepted)]
    [InlineData(32, HttpStatusCode.BadRequest)]
    [InlineData(5000, HttpStatusCode.BadRequest)]
    public async Task JsonNestedDeeperThan32_Is400(int argsDepth, HttpStatusCode expected)
    {
        // The body object is one level, args a second: argsDepth 31 nests 32 deep in all.
        var marker = Guid.NewGuid().ToString("N");
        var args = new StringBuilder();
        for (var i = 1; i < argsDepth; i++)
        {
            args.Append("{\"a\":");
        }

        args.Append($"{{\"marker\":\"{marker}\"}}").Append('}', argsDepth - 1);
        var body = $$"""{"tool":"echo","args":{{args}}}""";

        using var response = await fixture.Http.PostAsync("/v1/actions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.BadRequest)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("nesting", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE args LIKE @m", ("m", $"%{marker}%")));
        }
    }

    [Theory]
    [InlineData("/v1/actions/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/v1/breakers/%27%3B%20DROP%20TABLE%20x%3B--")]
    [InlineData("/v1/breakers/%07")]
    [InlineData("/v1/dlq/%F0%9F%92%A3")]
        [InlineData("/v1/actions?session_id=x%0Ay")]
    [InlineData("/v1/actions?session_id=ses_1&session_id=ses_2")]
    [InlineData("/v1/actions?last_n=1&status=" + LongValue)]
    public async Task HostileIdOrQuery_Is400Problem(string path)
    {
        using var response = await fixture.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OverlongString_Is400_AndOverlongToolNameIsNamed()
    {
        var longValue = JsonSerializer.Serialize(new { tool = "echo", args = new { v = new string('v', 70_000) } });
        var longTool = JsonSerializer.Serialize(new { tool = new string('t', 65), args = new { } });

        using var value = await fixture.Http.PostAsync("/v1/actions", new StringContent(longValue, Encoding.UTF8, "application/json"));
        using var tool = await fixture.Http.PostAsync("/v1/actions", new StringContent(longTool, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, value.StatusCode);
        Assert.Contains("strings must be at most", await value.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tool.StatusCode);
        Assert.Contains("tool must be at most 64 characters", await tool.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A body sent without Content-Length, so only reading it can find its size.</summary>
    private sealed class ChunkedContent(string text) : HttpContent
    {
        private readonly byte[] _bytes = Encoding.UTF8.GetBytes(text);

        public override bool Equals(object? obj) => ReferenceEquals(this, obj);

        public override int GetHashCode() => _bytes.Length;

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return false;
        }
    }
}
