using Sonia.Grains.Storage;
using System.Globalization;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Sonia.Grains.Actions.Tools;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Retention;

/// <summary>What one purge deleted.</summary>
public sealed record RetentionPurge(int DeadLetters, int Actions, int Executions, int Sessions)
{
    public int Total => DeadLetters + Actions + Executions + Sessions;
}

/// <summary>
/// Deletes what is past its retention, oldest first, in batches of <see cref="RetentionOptions.BatchSize"/>, at most
/// <see cref="RetentionOptions.MaxBatchesPerSweep"/> per kind per call. Called by the recovery sweep: never on a request.
/// Dead letters go first, so an action whose dead letter has just gone can follow in the same pass.
/// </summary>
public sealed class RetentionPurger(DatabaseOptions database, IOptions<RetentionOptions> options, ActionsOptions actions, IOptions<ClusterOptions> cluster)
{
    /// <summary>The grain-state name of a session (<c>SessionGrain</c>'s <c>[PersistentState]</c>), which the storage provider stores as its grain type.</summary>
    public const string SessionStateName = "session";

    private readonly RetentionSql _sql = RetentionSql.For(database.Provider);
    private readonly SqlRunner _runner = new(database);

    public async Task<RetentionPurge> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var retention = options.Value;
        var deadLetters = await BatchesAsync(_sql.PurgeDeadLetters, now - actions.DeadLetterRetention, cancellationToken);
        var purgedActions = await BatchesAsync(_sql.PurgeActions, now - retention.TerminalActions, cancellationToken);
        var executions = await BatchesAsync(_sql.PurgeExecutions, now - retention.TerminalActions, cancellationToken);
        var sessions = await BatchesAsync(_sql.PurgeGrainState, now - retention.IdleSessions, cancellationToken,
            ("service_id", cluster.Value.ServiceId), ("grain_type", SessionStateName));
        return new RetentionPurge(deadLetters, purgedActions, executions, sessions);
    }

    private async Task<int> BatchesAsync(string sql, DateTimeOffset cutoff, CancellationToken cancellationToken, params (string Name, object? Value)[] extra)
    {
        var retention = options.Value;
        var total = 0;
        for (var batch = 0; batch < retention.MaxBatchesPerSweep; batch++)
        {
            var deleted = 0;
            await _runner.QueryAsync(sql, r => deleted = Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture), cancellationToken,
                [("cutoff", cutoff), ("batch", retention.BatchSize), .. extra]);
            total += deleted;
            if (deleted < retention.BatchSize)
            {
                break;
            }
        }

        return total;
    }
}
