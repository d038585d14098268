using System.Data.Common;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Sonia.Hosting.Database;

/// <summary>The result of one round trip to the database.</summary>
public sealed record DatabaseProbeResult(bool Reachable, TimeSpan Latency, string? Error);

/// <summary>Asks the database a trivial question to learn whether it answers, and how fast.</summary>
public sealed class DatabaseProbe(IOptions<DatabaseOptions> options)
{
    public async Task<DatabaseProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await using var connection = options.Value.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return new DatabaseProbeResult(true, Stopwatch.GetElapsedTime(started), null);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            // The message of a driver exception names host and port but never the password.
            return new DatabaseProbeResult(false, Stopwatch.GetElapsedTime(started), $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}
