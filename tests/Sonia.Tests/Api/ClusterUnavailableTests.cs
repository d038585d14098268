using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sonia.Gateway.Problems;

namespace Sonia.Tests.Api;

/// <summary>A request the cluster could not answer gets a 503 problem that tells the client when to come back.</summary>
public sealed class ClusterUnavailableTests
{
    [Theory]
    [InlineData(typeof(TimeoutException))]
    [InlineData(typeof(SiloUnavailableException))]
    public async Task NoRetryAfterDefect_ClusterUnavailable_Is503Problem_WithRetryAfter(Type exceptionType)
    {
        await using var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new ClusterUnavailableHandler(services.GetRequiredService<IProblemDetailsService>(),
            NullLogger<ClusterUnavailableHandler>.Instance);

        var handled = await handler.TryHandleAsync(context, (Exception)Activator.CreateInstance(exceptionType)!, CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal(ClusterUnavailableHandler.RetryAfterSeconds, context.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
    }
}
