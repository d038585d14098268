using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Hosting.Correlation;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Sessions;

/// <summary>Its own cluster: these tests kill silos.</summary>
public sealed class KillableClusterFixture : SoniaClusterFixture;

public sealed class SessionDurabilityTests(KillableClusterFixture fixture) : IClassFixture<KillableClusterFixture>
{
    [Fact]
    public async Task SessionStateAndTurns_SurviveKillOfTheSiloHostingIt()
    {
        var id = SessionIds.New();
        var correlationId = $"durable-{Guid.NewGuid():N}";
        RequestContext.Set(CorrelationId.Key, correlationId);
        var session = fixture.Cluster.Client.GetGrain<ISessionGrain>(id);
        var opened = await session.OpenAsync("alice");
        RequestContext.Clear();
        var turn = await session.RunTurnAsync(new TurnRequest("echo kept across a silo kill", $"turn-{Guid.NewGuid():N}", "alice"));

        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(session);
        Assert.NotNull(host);
        var handle = fixture.Cluster.GetSiloForAddress(host);
        Assert.NotNull(handle);

        await fixture.Cluster.KillSiloAsync(handle);

        var after = await Eventually.ResultAsync(() => session.GetAsync(), TimeSpan.FromSeconds(90));
        Assert.Equal(opened with { TurnCount = 1, Turns = after!.Turns }, after);
        Assert.Equal(correlationId, after.CorrelationId);
        Assert.Equal("alice", after.OpenedBy);
        var kept = Assert.Single(after.Turns);
        Assert.Equal((turn.TurnId, turn.CorrelationId, "echo kept across a silo kill"), (kept.TurnId, kept.CorrelationId, kept.UserText));
        Assert.Equal("kept across a silo kill", kept.AssistantText);
        Assert.Equal(BuiltInTools.Echo, Assert.Single(kept.Actions).Tool);
        var newHost = await management.GetActivationAddress(session);
        Assert.NotEqual(host, newHost);
    }
}
