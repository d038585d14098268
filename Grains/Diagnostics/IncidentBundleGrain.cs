using System.Data.Common;
using System.Text;
using System.Text.Json;
using Orleans.Concurrency;
using Sonia.Grains.Audit;
using Sonia.Grains.Interfaces.Diagnostics;
using Sonia.Grains.Storage;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Diagnostics;

/// <inheritdoc cref="IIncidentBundleGrain"/>
[StatelessWorker]
public sealed class IncidentBundleGrain(BundleReader reader) : Grain, IIncidentBundleGrain
{
    public Task<BundleTable> ReadTableAsync(string table, DateTimeOffset from, DateTimeOffset to, int limit) =>
        reader.ReadTableAsync(table, from, to, limit);
}

/// <summary>Reads the bundle's tables: rows as JSON Lines, one more than kept to tell that the limit was reached.</summary>
public sealed class BundleReader(DatabaseOptions database, OperatorAuditLog audit)
{
    /// <summary>No table is read past this many rows, whatever the caller asks.</summary>
    public const int MaxLimit = 100_000;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly SqlRunner _sql = new(database);

    public async Task<BundleTable> ReadTableAsync(string table, DateTimeOffset from, DateTimeOffset to, int limit)
    {
        limit = Math.Clamp(limit, 1, MaxLimit);
        var lines = new List<string>();
        if (table == BundleTables.OperatorAudit)
        {
            var entries = await audit.ReadAsync(from, to, limit + 1);
            lines.AddRange(entries.Select(e => JsonSerializer.Serialize(e, Json)));
        }
        else if (BundleSql.Tables.Contains(table))
        {
            await _sql.QueryAsync(BundleSql.For(database.Provider, table), r => lines.Add(RowJson(r)), CancellationToken.None,
                ("from", from), ("to", to), ("limit", limit + 1));
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(table), table, $"not one of {string.Join(", ", BundleTables.All)}");
        }

        var reached = lines.Count > limit;
        var kept = reached ? lines.GetRange(0, limit) : lines;
        return new BundleTable(table, kept.Count, limit, reached, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
    }

    /// <summary>One row as a JSON object, column names as the table has them (already snake_case).</summary>
    private static string RowJson(DbDataReader reader)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var name = reader.GetName(i);
                switch (reader.GetValue(i))
                {
                    case DBNull:
                        json.WriteNull(name);
                        break;
                    case DateTime or DateTimeOffset:
                        json.WriteString(name, SqlValues.ReadTime(reader, i));
                        break;
                    case bool flag:
                        json.WriteBoolean(name, flag);
                        break;
                    case int or long or short:
                        json.WriteNumber(name, reader.GetInt64(i));
                        break;
                    case var value:
                        json.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
