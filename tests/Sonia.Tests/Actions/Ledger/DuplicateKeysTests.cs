using System.Reflection;
using Microsoft.Data.SqlClient;
using Npgsql;
using Sonia.Grains.Actions.Ledger;

namespace Sonia.Tests.Actions.Ledger;

/// <summary>Duplicate keys are recognised by error number / SQLSTATE and the names the engine reports, never by its wording.</summary>
public sealed class DuplicateKeysTests
{
    private const string EnglishPrimaryKey =
        "Violation of PRIMARY KEY constraint 'PK__actions__74EFC2172F2B8D3E'. Cannot insert duplicate key in object 'sonia.actions'. " +
        "The duplicate key value is (act_01JZ00000000000000000000).";

    // The same error as a German-language SQL Server reports it: none of the English words the old check looked for.
    private const string GermanPrimaryKey =
        "Verletzung der PRIMARY KEY-Einschränkung \"PK__actions__74EFC2172F2B8D3E\". Ein doppelter Schlüssel kann in das " +
        "sonia.actions-Objekt nicht eingefügt werden. Der doppelte Schlüsselwert ist (act_01JZ00000000000000000000).";

    private const string GermanUniqueIndex =
        "Eine Zeile mit doppeltem Schlüssel kann in das sonia.actions-Objekt mit dem eindeutigen ux_actions_idempotency_key-Index " +
        "nicht eingefügt werden. Der doppelte Schlüsselwert ist (k-1).";

    [Theory]
    [InlineData(2627, EnglishPrimaryKey, DuplicateKey.ActionId)]
    [InlineData(2627, GermanPrimaryKey, DuplicateKey.ActionId)]
    [InlineData(2601, GermanUniqueIndex, DuplicateKey.IdempotencyKey)]
    [InlineData(2601, "Cannot insert duplicate key row in object 'sonia.actions' with unique index 'ux_actions_idempotency_key'.", DuplicateKey.IdempotencyKey)]
    [InlineData(2627, "Violation of PRIMARY KEY constraint 'PK__dead_let__1'. Cannot insert duplicate key in object 'sonia.dead_letters'.", DuplicateKey.None)]
    [InlineData(2627, "Violation of PRIMARY KEY constraint 'PK__action_a__1'. Cannot insert duplicate key in object 'sonia.action_attempts'.", DuplicateKey.None)]
    [InlineData(547, "The INSERT statement conflicted with the FOREIGN KEY constraint on 'sonia.actions'.", DuplicateKey.None)]
    [InlineData(50000, EnglishPrimaryKey, DuplicateKey.None)]
    public void EnglishMessageTextDefect_SqlServer_IsClassifiedByErrorNumber(int number, string message, DuplicateKey expected) =>
        Assert.Equal(expected, DuplicateKeys.Classify(SqlServerError(number, message)));

    [Theory]
    [InlineData("23505", "actions_pkey", DuplicateKey.ActionId)]
    [InlineData("23505", "ux_actions_idempotency_key", DuplicateKey.IdempotencyKey)]
    [InlineData("23505", "dead_letters_pkey", DuplicateKey.None)]
    [InlineData("23503", "actions_pkey", DuplicateKey.None)]
    public void PostgreSql_IsClassifiedBySqlStateAndConstraint(string sqlState, string constraint, DuplicateKey expected) =>
        Assert.Equal(expected, DuplicateKeys.Classify(
            new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", sqlState, constraintName: constraint)));

    /// <summary>SqlClient makes its errors only from a server's reply: build one the way it does, through its internal factory.</summary>
    private static SqlException SqlServerError(int number, string message)
    {
        const BindingFlags Internal = BindingFlags.NonPublic | BindingFlags.Instance;
        var errorCtor = typeof(SqlError).GetConstructors(Internal).OrderByDescending(c => c.GetParameters().Length).First();
        var error = (SqlError)errorCtor.Invoke(errorCtor.GetParameters().Select(p => Argument(p, number, message)).ToArray());

        var errors = (SqlErrorCollection)typeof(SqlErrorCollection).GetConstructors(Internal).Single(c => c.GetParameters().Length == 0).Invoke(null);
        typeof(SqlErrorCollection).GetMethod("Add", Internal)!.Invoke(errors, [error]);
        var create = typeof(SqlException).GetMethods(BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => m.Name == "CreateException")
            .OrderBy(m => m.GetParameters().Length)
            .First(m => m.GetParameters()[0].ParameterType == typeof(SqlErrorCollection));
        return (SqlException)create.Invoke(null, create.GetParameters().Select((p, i) => i == 0 ? errors : Default(p)).ToArray())!;
    }

    private static object? Argument(ParameterInfo parameter, int number, string message) => parameter.Name switch
    {
        "infoNumber" => number,
        "errorMessage" => message,
        "errorClass" => (byte)14,
        "server" => "test-server",
        "procedure" => "",
        _ => Default(parameter),
    };

    private static object? Default(ParameterInfo parameter) =>
        parameter.ParameterType == typeof(string) ? "" :
        parameter.ParameterType.IsValueType ? Activator.CreateInstance(parameter.ParameterType) : null;
}
