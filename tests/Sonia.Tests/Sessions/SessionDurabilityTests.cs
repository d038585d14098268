using Sonia.Grains.Interfaces.Sessions;
using Sonia.Hosting.Correlation;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Sessions;

/// <summary>Its own cluster: these tests kill silos.</summary>
public sealed class KillableClusterFixture : SoniaClusterFixture;

public sealed class SessionDurabilityTests(KillableClusterFixture fixture) : IClassFixture<KillableClusterFixture>
{
    [Fact]
    public async Task SessionState_SurvivesKillOfTheSiloHostingIt()
    {
        var id = SessionIds.New();
        var correlationId = $"durable-{Guid.NewGuid():N}";
        RequestContext.Set(CorrelationId.Key, correlationId);
        var session = fixture.Cluster.Client.GetGrain<ISessionGrain>(id);
        var opened = await session.OpenAsync();
        RequestContext.Clear();

        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(session);
        Assert.NotNull(host);
        var handle = fixture.Cluster.GetSiloForAddress(host);
        Assert.NotNull(handle);

        await fixture.Cluster.KillSiloAsync(handle);

        var after = await Eventually.ResultAsync(() => session.GetAsync(), TimeSpan.FromSeconds(90));
        Assert.Equal(opened, after);
        Assert.Equal(correlationId, after!.CorrelationId);
        var newHost = await management.GetActivationAddress(session);
        Assert.NotEqual(host, newHost);
    }
}
