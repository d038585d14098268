using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Silo.Hosting;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>
/// A verification longer than the default response timeout still gets its answer, and shows its progress meanwhile. The
/// cluster's default response timeout is lowered to 3 s (both ends), and the verification is held deterministically by a
/// lock on <c>sonia.actions</c> (its test restore copies that table's shape) for twice that: without the verification's own
/// response timeout (<see cref="BackupCallTimeouts"/>) the call fails with a TimeoutException, which the gateway answers 503.
/// </summary>
public sealed class BackupTimeoutTests : IAsyncLifetime
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    private TestCluster? _cluster;
    private Sonia.Hosting.Database.DatabaseOptions _database = null!;

    public async Task InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("backup_timeout");
        var builder = new TestClusterBuilder(1);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Properties["Sonia:Database:Provider"] = _database.Provider.ToString();
        builder.Properties["Sonia:Database:ConnectionString"] = _database.ConnectionString;
        builder.Properties["Sonia:Cluster:Clustering"] = "AdoNet";
        builder.Properties["Sonia:Cluster:ProbeTimeoutSeconds"] = "1";
        builder.AddSiloBuilderConfigurator<ShortTimeoutSilo>();
        builder.AddClientBuilderConfigurator<ShortTimeoutClient>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public Task DisposeAsync() => TestClusters.StopAsync(_cluster);

    [Fact]
    public async Task Verify_LongerThanTheDefaultResponseTimeout_IsAnswered_AndShowsProgressWhileItRuns()
    {
        var grain = _cluster!.Client.GetGrain<IBackupGrain>(BackupIds.New());
        await grain.StartAsync("timeout", "test");
        var done = await Eventually.ResultAsync(grain.GetAsync, TimeSpan.FromSeconds(60), v => v?.Status != BackupStatuses.Running);
        Assert.Equal(BackupStatuses.Succeeded, done!.Status);

        await using var connection = _database.CreateConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var hold = connection.CreateCommand())
        {
            hold.Transaction = transaction;
            hold.CommandText = "LOCK TABLE sonia.actions IN ACCESS EXCLUSIVE MODE";
            await hold.ExecuteNonQueryAsync();
        }

        var verifying = grain.VerifyAsync("test");
        // Any phase of the verification: the two test restores run at once and each reports as it goes, so which phase
        // label shows at a given moment is a race (waiting for one label failed in CI once the other restore overwrote it).
        var running = await Eventually.ResultAsync(grain.GetAsync, TimeSpan.FromSeconds(90),
            v => v?.Progress is { Operation: BackupOperations.Verification });
        Assert.NotNull(running!.Progress!.StartedAt);
        Assert.False(string.IsNullOrEmpty(running.Progress.Phase));

        // Wall-clock time on purpose: Orleans' response timeout is. The lock makes the verification last at least this long.
        await Task.Delay(DefaultTimeout * 2);
        Assert.False(verifying.IsCompleted, "the verification cannot finish while the lock is held");
        await transaction.RollbackAsync();

        var verification = await verifying;
        Assert.True(verification!.Passed, string.Join("; ", verification.Problems));
        Assert.Null((await grain.GetAsync())!.Progress);
    }

    private sealed class ShortTimeoutSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddSonia(siloBuilder.Configuration);
            siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = DefaultTimeout);
        }
    }

    private sealed class ShortTimeoutClient : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            clientBuilder.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = configuration["Sonia:Database:ConnectionString"];
            });
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = DefaultTimeout);
        }
    }
}
