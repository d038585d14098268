using Sonia.Tests.DeadLetters;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>deploy/hostile-sweep.sh against the test gateway: no 5xx, no unanswered request, and no Sonia row changed.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class HostileSweepTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task Sweep_GetsNo5xx_AndChangesNoSoniaRow()
    {
        var script = Path.Combine(Repo.Root, "deploy", "hostile-sweep.sh");
        var before = await QuietDigestAsync();

        var (exit, output) = await Shell.RunAsync(script, ["--url", fixture.Http.BaseAddress!.ToString().TrimEnd('/'), "--count", "300", "--seed", "1234"],
            TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, output);
        Assert.Contains("sent 300 requests", output, StringComparison.Ordinal);
        Assert.Contains("5xx or no answer: 0", output, StringComparison.Ordinal);
        Assert.Contains("400: ", output, StringComparison.Ordinal);
        Assert.Equal(before, await DeadLetterMaker.SoniaDigestAsync(fixture.Database));
    }

    [Fact]
    public async Task Sweep_OnAGatewayWithKeys_WithoutAKey_IsAll4xx()
    {
        await using var gateway = await SecuredGateway.StartAsync(fixture);
        var script = Path.Combine(Repo.Root, "deploy", "hostile-sweep.sh");

        var (exit, output) = await Shell.RunAsync(script, ["--url", gateway.BaseAddress.ToString().TrimEnd('/'), "--count", "100", "--seed", "99"],
            TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, output);
        Assert.Contains("401: ", output, StringComparison.Ordinal);
    }

    /// <summary>The digest once earlier tests' background work (retries, recovery sweeps) has stopped changing rows.</summary>
    private async Task<string> QuietDigestAsync()
    {
        var previous = await DeadLetterMaker.SoniaDigestAsync(fixture.Database);
        return await Eventually.ResultAsync(async () =>
        {
            var current = await DeadLetterMaker.SoniaDigestAsync(fixture.Database);
            var settled = current == previous;
            previous = current;
            return (settled, current);
        }, TimeSpan.FromSeconds(60), r => r.settled).ContinueWith(t => t.Result.current);
    }
}
