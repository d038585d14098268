using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Silo.Hosting;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>
/// A verification or a DLQ restore longer than the default response timeout still gets its answer, and shows its progress
/// meanwhile (a restore: the table it is on, and its rows). The cluster's default response timeout is lowered to 3 s (both
/// ends), and each operation is held deterministically for twice that: the verification by a lock on <c>sonia.actions</c>
/// (its test restore copies that table's shape), the restore by an uncommitted insert of a record it brings back. Without
/// their own response timeout (<see cref="BackupCallTimeouts"/>) the calls fail with a TimeoutException, which the gateway
/// answers 503.
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

    [Fact]
    public async Task RestoreDlq_LongerThanTheDefaultResponseTimeout_IsAnswered_AndShowsItsTableAndRowsWhileItRuns()
    {
        var seed = new Sonia.Tests.DeadLetters.DeadLetterSeed(_database, "t.restore-progress", 3, DateTimeOffset.UtcNow.AddHours(-1));
        await seed.InsertAsync();
        var grain = _cluster!.Client.GetGrain<IBackupGrain>(BackupIds.New());
        await grain.StartAsync("restore progress", "test");
        var done = await Eventually.ResultAsync(grain.GetAsync, TimeSpan.FromSeconds(60), v => v?.Status != BackupStatuses.Running);
        Assert.Equal(BackupStatuses.Succeeded, done!.Status);

        // Dead letter 1 is deleted, and another transaction holds an uncommitted insert of the same record: the restore,
        // which finds it absent, waits on that insert (a unique key in doubt) until the transaction ends.
        await using var connection = _database.CreateConnection();
        await connection.OpenAsync();
        await Run(connection, null, $"""
            CREATE TEMP TABLE held AS SELECT * FROM sonia.dead_letters WHERE dlq_id = '{seed.DlqId(1)}';
            DELETE FROM sonia.dead_letters WHERE dlq_id = '{seed.DlqId(1)}'
            """);
        await using var transaction = await connection.BeginTransactionAsync();
        await Run(connection, transaction, "INSERT INTO sonia.dead_letters SELECT * FROM held");

        var restoring = grain.RestoreDlqAsync(dryRun: false, "test");
        var running = await Eventually.ResultAsync(grain.GetAsync, TimeSpan.FromSeconds(90),
            v => v?.Progress is { Operation: BackupOperations.Restore, ArtifactsDone: 1 });
        Assert.Equal(("restoring dead letters", 2, 3L),
            (running!.Progress!.Phase, running.Progress.ArtifactsTotal, running.Progress.RowsTotal));
        Assert.NotNull(running.Progress.RowsDone);
        Assert.NotNull(running.Progress.StartedAt);

        // Wall-clock time on purpose, as above: the held insert makes the restore last at least this long.
        await Task.Delay(DefaultTimeout * 2);
        Assert.False(restoring.IsCompleted, "the restore cannot finish while the insert is in doubt");
        await transaction.RollbackAsync();

        var outcome = await restoring;
        Assert.Null(outcome.Refused);
        Assert.Equal((1, 2, 0), (outcome.Result!.DeadLetters.Inserted, outcome.Result.DeadLetters.Identical,
            outcome.Result.DeadLetters.Conflicting));
        Assert.Null((await grain.GetAsync())!.Progress);
    }

    private static async Task Run(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
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
