using System.Data;
using System.Data.Common;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Storage;

/// <summary>Binds parameters and reads columns the same way on both dialects (UTC times, typed NULLs).</summary>
public static class SqlValues
{
    public static void AddAll(DbParameterCollection parameters, Func<DbParameter> create, DatabaseProvider provider, IEnumerable<(string Name, object? Value)> values)
    {
        foreach (var (name, value) in values)
        {
            Add(parameters, create, provider, name, value);
        }
    }

    public static void Add(DbParameterCollection parameters, Func<DbParameter> create, DatabaseProvider provider, string name, object? value)
    {
        var parameter = create();
        parameter.ParameterName = name;
        switch (value)
        {
            case null:
                parameter.DbType = DbType.String;
                parameter.Value = DBNull.Value;
                break;
            case NullTime:
                parameter.DbType = provider == DatabaseProvider.SqlServer ? DbType.DateTime2 : DbType.DateTimeOffset;
                parameter.Value = DBNull.Value;
                break;
            case DateTimeOffset time when provider == DatabaseProvider.SqlServer:
                // datetime2 holds no offset: store the UTC wall clock.
                parameter.DbType = DbType.DateTime2;
                parameter.Value = time.UtcDateTime;
                break;
            case DateTimeOffset time:
                parameter.DbType = DbType.DateTimeOffset;
                parameter.Value = time.ToUniversalTime();
                break;
            case int number:
                parameter.DbType = DbType.Int32;
                parameter.Value = number;
                break;
            case bool flag:
                parameter.DbType = DbType.Boolean;
                parameter.Value = flag;
                break;
            case string text:
                parameter.DbType = DbType.String;
                parameter.Value = text;
                break;
            default:
                parameter.Value = value;
                break;
        }

        parameters.Add(parameter);
    }

    /// <summary>A NULL that is known to be a time, so PostgreSQL need not guess its type.</summary>
    public static object Time(DateTimeOffset? value) => value is { } v ? v : NullTime.Instance;

    public static DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        DateTimeOffset offset => offset.ToUniversalTime(),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        var other => throw new InvalidCastException($"column {ordinal} holds {other.GetType().Name}, not a time"),
    };

    public static DateTimeOffset? ReadNullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    public static string? ReadNullableString(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public sealed class NullTime
    {
        public static readonly NullTime Instance = new();
    }
}
