using BenchmarkDotNet.Attributes;
using Npgsql;
using Sonia.Grains.Diagnostics;
using Sonia.Grains.Health;
using Sonia.Grains.Interfaces.Diagnostics;
using Sonia.Hosting.Database;
using Sonia.Silo.Database;
using Sonia.Tests.Diagnostics;

namespace Sonia.Benchmarks.Diagnostics;

/// <summary>
/// The database work of one diagnostics snapshot (every statement the snapshot and the health supervisor's ledger
/// checks run, through the same readers) on the volume: 100,000 actions, 10,000 dead letters, 200,000 audit
/// rows, in a database of its own on the PostgreSQL server named by <c>SONIA_BENCH_POSTGRES</c> (loopback only).
/// </summary>
public class SnapshotBenchmarks
{
    public const string ServerVariable = "SONIA_BENCH_POSTGRES";

    private string _admin = null!;
    private string _name = null!;
    private DiagnosticsReader _reader = null!;
    private LedgerHealthReader _ledger = null!;

    [Params(IDiagnosticsGrain.DefaultLastN, IDiagnosticsGrain.MaxLastN)]
    public int LastN { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _admin = Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } admin && IsLoopback(admin)
            ? admin
            : throw new InvalidOperationException($"{ServerVariable} must be an Npgsql connection string to a loopback PostgreSQL server.");
        _name = $"sonia_bench_snapshot_{Guid.NewGuid():N}";
        Admin($"CREATE DATABASE \"{_name}\"");
        var database = new DatabaseOptions
        {
            Provider = DatabaseProvider.PostgreSql,
            ConnectionString = new NpgsqlConnectionStringBuilder(_admin) { Database = _name }.ConnectionString,
        };
        new SchemaMigrator(database).Migrate();
        new SnapshotVolume(database).SeedAsync().GetAwaiter().GetResult();
        _reader = new DiagnosticsReader(database);
        _ledger = new LedgerHealthReader(database);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NpgsqlConnection.ClearAllPools();
        Admin($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)");
    }

    /// <summary>The actions and dead-letter sections at <see cref="LastN"/>, and the ledger figures of a health check.</summary>
    [Benchmark]
    public async Task<long> SnapshotQueries()
    {
        var actions = await _reader.ActionsAsync(LastN, IDiagnosticsGrain.MaxPending);
        var dlq = await _reader.DeadLettersAsync(LastN);
        var ledger = await _ledger.ReadAsync(DateTimeOffset.UtcNow.AddMinutes(-5), CancellationToken.None);
        return actions.Recent.Count + actions.Pending.Count + dlq.Recent.Count + ledger.DeadLettersArrived;
    }

    private void Admin(string sql)
    {
        using var connection = new NpgsqlConnection(_admin);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static bool IsLoopback(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).Host is "127.0.0.1" or "::1" or "localhost";
}
