using System.Data.Common;
using DbUp;
using DbUp.Builder;
using DbUp.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sonia.Hosting.Database;

namespace Sonia.Silo.Database;

/// <summary>
/// Applies the versioned scripts under deploy/sql/&lt;dialect&gt; (embedded in this assembly) through DbUp,
/// journaled in <c>sonia.schema_versions</c>: each script runs once, in name order, in its own transaction.
/// </summary>
public sealed class SchemaMigrator(DatabaseOptions options, ILogger? logger = null)
{
    public const string JournalSchema = "sonia";
    public const string JournalTable = "schema_versions";

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Names of the scripts this build ships for the configured dialect, in the order they run.</summary>
    public IReadOnlyList<string> AvailableScripts() =>
        Build().GetDiscoveredScripts().Select(s => s.Name).ToList();

    /// <summary>Scripts the database has not run yet. Throws <see cref="DbException"/> when it cannot be reached.</summary>
    public IReadOnlyList<string> PendingScripts()
    {
        if (!JournalExists())
        {
            return AvailableScripts();
        }

        return Build().GetScriptsToExecute().Select(s => s.Name).ToList();
    }

    /// <summary>Runs every pending script; returns the names of those it ran (none on a second run).</summary>
    public IReadOnlyList<string> Migrate()
    {
        EnsureJournalSchema();
        var result = Build().PerformUpgrade();
        if (!result.Successful)
        {
            var script = result.ErrorScript?.Name ?? "(unknown script)";
            throw new MigrationException($"migration {script} failed: {result.Error?.Message}", result.Error);
        }

        return result.Scripts.Select(s => s.Name).ToList();
    }

    private UpgradeEngine Build()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var prefix = $"Sonia.Sql.{options.Dialect}.";
        UpgradeEngineBuilder builder = options.Provider switch
        {
            DatabaseProvider.PostgreSql => DeployChanges.To
                .PostgresqlDatabase(options.ConnectionString)
                .JournalToPostgresqlTable(JournalSchema, JournalTable),
            DatabaseProvider.SqlServer => DeployChanges.To
                .SqlDatabase(options.ConnectionString)
                .JournalToSqlTable(JournalSchema, JournalTable),
            _ => throw new InvalidOperationException($"Unknown database provider {options.Provider}."),
        };

        return builder
            .WithScriptsEmbeddedInAssembly(assembly, name => name.StartsWith(prefix, StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogTo(_logger)
            .Build();
    }

    private bool JournalExists()
    {
        using var connection = options.CreateConnection();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = @schema AND table_name = @table";
        AddParameter(command, "schema", JournalSchema);
        AddParameter(command, "table", JournalTable);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    // DbUp creates its journal table but not the schema that holds it.
    private void EnsureJournalSchema()
    {
        using var connection = options.CreateConnection();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = options.Provider == DatabaseProvider.PostgreSql
            ? "CREATE SCHEMA IF NOT EXISTS sonia"
            : "IF SCHEMA_ID(N'sonia') IS NULL EXEC(N'CREATE SCHEMA sonia')";
        command.ExecuteNonQuery();
    }

    private static void AddParameter(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}

/// <summary>A migration script failed; the database keeps every script that ran before it.</summary>
public sealed class MigrationException(string message, Exception? inner) : Exception(message, inner);
