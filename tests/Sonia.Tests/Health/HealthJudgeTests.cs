using System.Net;
using System.Net.Sockets;
using Sonia.Grains.Health;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Interfaces.Health;

namespace Sonia.Tests.Health;

/// <summary>Each health check's thresholds, on both sides, and the reasons it gives.</summary>
public sealed class HealthJudgeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 2, 30, TimeSpan.Zero);
    private static readonly HealthOptions Options = new()
    {
        MaxQueueDepth = 10,
        MaxUnfinishedAge = TimeSpan.FromMinutes(5),
        MaxDeadLettersPerWindow = 3,
        DatabaseSlowAfter = TimeSpan.FromMilliseconds(100),
    };

    private readonly HealthJudge _judge = new(Options);

    [Theory]
    [InlineData(BreakerState.Open, "breaker executor is open since 2026-12-02T10:02:11Z; next probe at 2026-12-02T10:02:41Z")]
    [InlineData(BreakerState.HalfOpen, "breaker executor is half-open since 2026-12-02T10:02:11Z")]
    [InlineData(BreakerState.Isolated, "breaker executor is isolated since 2026-12-02T10:02:11Z; it stays open until an operator resets it")]
    public void Breakers_NotClosed_AreDegraded_SayingSinceWhenAndWhatNext(BreakerState state, string reason)
    {
        var check = _judge.Breakers([Breaker("executor", state), Breaker("executor.fake", BreakerState.Closed)], Now);

        Assert.Equal(HealthStatuses.Degraded, check.Status);
        Assert.StartsWith(reason, Assert.Single(check.Reasons), StringComparison.Ordinal);
        Assert.Equal(1, check.Figures["closed"]);
    }

    [Fact]
    public void Breakers_AllClosed_AreHealthy() =>
        Assert.Equal(HealthStatuses.Healthy, _judge.Breakers([Breaker("executor", BreakerState.Closed)], Now).Status);

    [Theory]
    [InlineData(10, 4, HealthStatuses.Healthy)]
    [InlineData(11, 4, HealthStatuses.Degraded)]
    [InlineData(1, 5, HealthStatuses.Healthy)]
    [InlineData(1, 6, HealthStatuses.Degraded)]
    public void Ledger_QueueDepthAndOldestUnfinished_DegradePastTheirThresholds(int queued, int oldestMinutes, string expected)
    {
        var ledger = Ledger(new()
        {
            ["queued"] = new UnfinishedStatus(queued, Now.AddMinutes(-oldestMinutes)),
            ["awaiting_confirmation"] = new UnfinishedStatus(1, Now.AddDays(-1)),
        });

        var check = _judge.Ledger(ledger, Now);

        Assert.Equal(expected, check.Status);
        Assert.Equal(queued, check.Figures["queue_depth"]);
        Assert.Equal(oldestMinutes * 60, check.Figures["oldest_unfinished_age_seconds"]);
        Assert.Equal(86400, check.Figures["oldest_awaiting_confirmation_age_seconds"]);
        Assert.Equal(0, check.Figures["pending_executing"]);
    }

    [Theory]
    [InlineData(3, HealthStatuses.Healthy)]
    [InlineData(4, HealthStatuses.Degraded)]
    public void DeadLetters_GrowthPastTheThreshold_IsDegraded_NamingTheClasses(int arrived, string expected)
    {
        var ledger = new LedgerFigures(new Dictionary<string, UnfinishedStatus>(), new Dictionary<string, long> { ["timeout"] = 7 }, arrived);

        var check = _judge.DeadLetters(ledger);

        Assert.Equal(expected, check.Status);
        Assert.Equal(7, check.Figures["unresolved"]);
        Assert.Equal(arrived, check.Figures["arrived_in_window"]);
        Assert.All(check.Reasons, r => Assert.Contains("timeout 7", r, StringComparison.Ordinal));
    }

    [Fact]
    public void Database_Unreachable_IsUnhealthy_AndSlow_IsDegraded()
    {
        Assert.Equal(HealthStatuses.Unhealthy, _judge.Database(new ComponentHealth("database", false, 5, "unreachable")).Status);
        Assert.Equal(HealthStatuses.Degraded, _judge.Database(new ComponentHealth("database", true, 101, null)).Status);
        Assert.Equal(HealthStatuses.Healthy, _judge.Database(new ComponentHealth("database", true, 99, null)).Status);
    }

    [Fact]
    public void Silos_NoneActive_IsUnhealthy_AndOneJoining_IsDegraded()
    {
        Assert.Equal(HealthStatuses.Unhealthy, _judge.Silos(null).Status);
        Assert.Equal(HealthStatuses.Unhealthy, _judge.Silos([new SiloHealth("a", "s1", "Joining")]).Status);
        var check = _judge.Silos([new SiloHealth("a", "s1", "Active"), new SiloHealth("b", "s2", "Joining")]);
        Assert.Equal(HealthStatuses.Degraded, check.Status);
        Assert.Contains("silo s2 (b) is Joining", check.Reasons);
    }

    [Fact]
    public void Worst_OfTheChecks_IsTheOverallStatus()
    {
        Assert.Equal(HealthStatuses.Healthy, HealthStatuses.Worst([]));
        Assert.Equal(HealthStatuses.Degraded, HealthStatuses.Worst([HealthStatuses.Healthy, HealthStatuses.Degraded]));
        Assert.Equal(HealthStatuses.Unhealthy, HealthStatuses.Worst([HealthStatuses.Unhealthy, HealthStatuses.Degraded]));
    }

    [Fact]
    public async Task AdapterProbe_ListeningExecutor_IsReachable_AndAClosedPort_IsDegraded_WithoutItsSecrets()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var up = await AdapterProbe.ProbeAsync(new Uri($"http://127.0.0.1:{port}/"), TimeSpan.FromSeconds(2), CancellationToken.None);
        listener.Stop();
        var closed = new Uri($"http://user:hunter2@127.0.0.1:{port}/path?token=secret");
        var down = await AdapterProbe.ProbeAsync(closed, TimeSpan.FromSeconds(2), CancellationToken.None);

        var check = _judge.Adapter("fake", closed, down);

        Assert.True(up.Reachable);
        Assert.False(down.Reachable);
        Assert.Equal("executor.fake", check.Name);
        Assert.Equal(HealthStatuses.Degraded, check.Status);
        Assert.Contains($"127.0.0.1:{port}", Assert.Single(check.Reasons), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", check.Reasons[0], StringComparison.Ordinal);
        Assert.DoesNotContain("secret", check.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Options_OutOfRange_AreRefused_NamingTheSetting()
    {
        var result = new HealthOptionsValidator().Validate(null, new HealthOptions { MaxQueueDepth = 0, AdapterProbeTimeout = TimeSpan.Zero });

        Assert.True(result.Failed);
        Assert.Contains(nameof(HealthOptions.MaxQueueDepth), result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(nameof(HealthOptions.AdapterProbeTimeout), result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new HealthOptionsValidator().Validate(null, new HealthOptions()).Succeeded);
    }

    private static BreakerSnapshot Breaker(string name, BreakerState state) => new(
        name, state, new DateTimeOffset(2026, 12, 2, 10, 2, 11, TimeSpan.Zero),
        state == BreakerState.Open ? new DateTimeOffset(2026, 12, 2, 10, 2, 41, TimeSpan.Zero) : null, 1, new WindowStats(0, 0, 0, 0), 1);

    private static LedgerFigures Ledger(Dictionary<string, UnfinishedStatus> unfinished) =>
        new(unfinished, new Dictionary<string, long>(), 0);
}
