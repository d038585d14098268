using System.Data.Common;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;
using Sonia.Silo.Database;

namespace Sonia.Silo.Hosting;

/// <summary>
/// Checks, before Orleans starts, that the database answers and holds the schema this build expects, so an
/// operator gets one line saying what is wrong instead of a provider's stack trace minutes later.
/// </summary>
public static class Preflight
{
    public static void EnsureDatabaseReady(DatabaseOptions database, TextWriter progress)
    {
        var migrator = new SchemaMigrator(database);
        IReadOnlyList<string> pending;
        try
        {
            pending = migrator.PendingScripts();
        }
        catch (Exception ex) when (ex is DbException or ArgumentException or InvalidOperationException or TimeoutException)
        {
            throw Unreachable(database, ex);
        }

        if (pending.Count == 0)
        {
            return;
        }

        if (!database.MigrateOnStart)
        {
            throw new StartupException(
                $"the database schema on {ConnectionStrings.Describe(database)} is missing or out of date " +
                $"({pending.Count} migration(s) pending, first {pending[0]}); run `Sonia.Silo migrate` " +
                "or set Sonia__Database__MigrateOnStart=true");
        }

        progress.WriteLine($"applying {pending.Count} migration(s) to {ConnectionStrings.Describe(database)}");
        Migrate(database);
    }

    /// <summary>Runs pending migrations, turning failures into one operator-readable line.</summary>
    public static IReadOnlyList<string> Migrate(DatabaseOptions database)
    {
        try
        {
            return new SchemaMigrator(database).Migrate();
        }
        catch (MigrationException ex)
        {
            throw new StartupException($"{ex.Message} (database {ConnectionStrings.Describe(database)})", ex);
        }
        catch (Exception ex) when (ex is DbException or ArgumentException or InvalidOperationException or TimeoutException)
        {
            throw Unreachable(database, ex);
        }
    }

    private static StartupException Unreachable(DatabaseOptions database, Exception ex)
    {
        var reason = ex.InnerException is { } inner && ex.Message.Contains("Exception while", StringComparison.Ordinal)
            ? inner.Message
            : ex.Message;
        return new StartupException(
            $"cannot use {ConnectionStrings.Describe(database)}: {reason.Trim()} " +
            "(is the server running, and is Sonia__Database__ConnectionString right?)", ex);
    }
}
