using System.Data.Common;
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
public static class DuplicateKeys
{
    public const string PostgresUniqueViolation = "23505";
    public const int SqlServerUniqueConstraint = 2627;
    public const int SqlServerUniqueIndex = 2601;

    public const string IdempotencyIndex = "ux_actions_idempotency_key";
    public const string PostgresActionsKey = "actions_pkey";

    /// <summary>
    /// SQL Server names the table's primary key itself (<c>PK__actions__…</c>), so a primary-key violation is known by
    /// the object it names; object and index names are arguments of the message, the same in every language.
    /// </summary>
    private const string SqlServerActionsTable = "'sonia.actions'";

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

            if (error.Number == SqlServerUniqueConstraint && error.Message.Contains(SqlServerActionsTable, StringComparison.OrdinalIgnoreCase))
            {
                return DuplicateKey.ActionId;
            }
        }

        return DuplicateKey.None;
    }
}
