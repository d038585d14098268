using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Sonia.Hosting.Database;

/// <summary>Where Sonia keeps Orleans state, membership, reminders and its own <c>sonia</c> schema.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Sonia:Database";

    [EnumDataType(typeof(DatabaseProvider))]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.PostgreSql;

    /// <summary>Holds a password: never print it; messages name the database with <see cref="ConnectionStrings.Describe"/>.</summary>
    [Required(ErrorMessage = "Sonia:Database:ConnectionString is not set (environment: Sonia__Database__ConnectionString).")]
    [Secret]
    public string ConnectionString
    {
        get => _connectionString;
        set
        {
            _connectionString = value;
            _tuned = null;
        }
    }

    private string _connectionString = string.Empty;

    /// <summary>Apply pending migrations when a silo starts instead of refusing to start.</summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>The ADO.NET invariant name the Orleans providers expect for <see cref="Provider"/>.</summary>
    public string Invariant => Provider switch
    {
        DatabaseProvider.PostgreSql => "Npgsql",
        DatabaseProvider.SqlServer => "Microsoft.Data.SqlClient",
        _ => throw new InvalidOperationException($"Unknown database provider {Provider}."),
    };

    /// <summary>The lower-case folder name of this dialect under deploy/sql.</summary>
    public string Dialect => Provider switch
    {
        DatabaseProvider.PostgreSql => "postgresql",
        DatabaseProvider.SqlServer => "sqlserver",
        _ => throw new InvalidOperationException($"Unknown database provider {Provider}."),
    };

    public DbProviderFactory Factory => Provider switch
    {
        DatabaseProvider.PostgreSql => NpgsqlFactory.Instance,
        DatabaseProvider.SqlServer => SqlClientFactory.Instance,
        _ => throw new InvalidOperationException($"Unknown database provider {Provider}."),
    };

    public DbConnection CreateConnection()
    {
        var connection = Factory.CreateConnection()
            ?? throw new InvalidOperationException($"The {Provider} provider cannot create connections.");
        connection.ConnectionString = TunedConnectionString;
        return connection;
    }

    /// <summary>
    /// Sonia's own connections keep no session state, so on PostgreSQL a pooled connection need not be reset on
    /// every reuse (a DISCARD ALL round trip each time), and its few statement shapes are worth preparing once.
    /// Settings the operator wrote into the connection string win.
    /// </summary>
    private string TunedConnectionString => _tuned ??= Tune(ConnectionString);

    private string? _tuned;

    private string Tune(string connectionString)
    {
        if (Provider != DatabaseProvider.PostgreSql)
        {
            return connectionString;
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var written = connectionString.ToLowerInvariant();
        if (!written.Contains("no reset on close", StringComparison.Ordinal))
        {
            builder.NoResetOnClose = true;
        }

        if (!written.Contains("max auto prepare", StringComparison.Ordinal))
        {
            builder.MaxAutoPrepare = 64;
        }

        return builder.ConnectionString;
    }
}

/// <summary>Checks the database settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>;
