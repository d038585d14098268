using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.SqlClient;
using Npgsql;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>Which unique rule of <c>sonia.actions</c> an insert broke, if any.</summary>
public enum DuplicateKey
{
    None = 0,
    ActionId = 1,
    IdempotencyKey = 2,
}

/// <summary>
/// Recognises duplicate keys by the engine's error codes, never by its (localised) wording: PostgreSQL's SQLSTATE
/// 23505 with the constraint it names, SQL Server's error numbers 2627 (constraint) and 2601 (unique index).
/// </summary>
public static partial class DuplicateKeys
{
    public const string PostgresUniqueViolation = "23505";
    public const int SqlServerUniqueConstraint = 2627;
    public const int SqlServerUniqueIndex = 2601;

    public const string IdempotencyIndex = "ux_actions_idempotency_key";
    public const string PostgresActionsKey = "actions_pkey";


    public static DuplicateKey Classify(DbException exception) => exception switch
    {
        PostgresException { SqlState: PostgresUniqueViolation, ConstraintName: IdempotencyIndex } => DuplicateKey.IdempotencyKey,
        PostgresException { SqlState: PostgresUniqueViolation, ConstraintName: PostgresActionsKey } => DuplicateKey.ActionId,
        SqlException sql => Classify(sql),
        _ => DuplicateKey.None,
    };

    private static DuplicateKey Classify(SqlException exception)
    {
        foreach (SqlError error in exception.Errors)
        {
            if (error.Number is not (SqlServerUniqueConstraint or SqlServerUniqueIndex))
            {
                continue;
            }

            if (error.Message.Contains(IdempotencyIndex, StringComparison.OrdinalIgnoreCase))
            {
                return DuplicateKey.IdempotencyKey;
            }

            // SQL Server names the table's primary key itself (PK__actions__…), so its violation is known by the object it
            // names: object and index names are arguments of the message, the same in every language, its words are not.
            if (error.Number == SqlServerUniqueConstraint && ActionsTable().IsMatch(error.Message))
            {
                return DuplicateKey.ActionId;
            }
        }

        return DuplicateKey.None;
    }

    [GeneratedRegex(@"sonia\.actions(?![A-Za-z0-9_])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ActionsTable();
}
