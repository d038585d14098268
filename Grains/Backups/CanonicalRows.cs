using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Sonia.Grains.Storage;

namespace Sonia.Grains.Backups;

/// <summary>
/// Rows as canonical JSON Lines: one object per row, columns in table order, times as UTC with 7 fractional digits,
/// bytes as base64, NULL as null, each line ended by <c>\n</c>. Writing the same rows always gives the same bytes, and a
/// line read back gives the values that were written, so a restored table written again hashes as the backup did.
/// </summary>
public static class CanonicalRows
{
    public const string TimeFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

    /// <summary>Writes every row of <paramref name="reader"/> to <paramref name="output"/>; returns how many.</summary>
    public static async Task<long> WriteAllAsync(DbDataReader reader, IReadOnlyList<BackupColumn> columns, Stream output, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        await using var json = new Utf8JsonWriter(buffer);
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            WriteRow(json, reader, columns);
            await json.FlushAsync(cancellationToken);
            buffer.Write("\n"u8);
            if (buffer.WrittenCount >= 64 * 1024)
            {
                await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
                buffer.ResetWrittenCount();
            }

            json.Reset(buffer);
            rows++;
        }

        await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
        return rows;
    }

    /// <summary>The current row of <paramref name="reader"/> as one line (without its <c>\n</c>).</summary>
    public static string Line(DbDataReader reader, IReadOnlyList<BackupColumn> columns)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteRow(json, reader, columns);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The values of one line as statement parameters named after the columns (prefixed by <paramref name="prefix"/>).</summary>
    public static IEnumerable<(string Name, object? Value)> Parameters(string line, IReadOnlyList<BackupColumn> columns, string prefix = "")
    {
        using var document = JsonDocument.Parse(line);
        var values = new List<(string, object?)>(columns.Count);
        foreach (var column in columns)
        {
            var value = document.RootElement.GetProperty(column.Name);
            values.Add((prefix + column.Name, Read(value, column.Kind)));
        }

        return values;
    }

    /// <summary>The names of the columns whose values differ between two lines of the same table.</summary>
    public static IReadOnlyList<string> Differences(string a, string b, IReadOnlyList<BackupColumn> columns)
    {
        using var left = JsonDocument.Parse(a);
        using var right = JsonDocument.Parse(b);
        return columns.Where(c => left.RootElement.GetProperty(c.Name).GetRawText() != right.RootElement.GetProperty(c.Name).GetRawText())
            .Select(c => c.Name).ToList();
    }

    /// <summary>The text value of <paramref name="column"/> in one line.</summary>
    public static string? Text(string line, string column)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.GetProperty(column).GetString();
    }

    private static void WriteRow(Utf8JsonWriter json, DbDataReader reader, IReadOnlyList<BackupColumn> columns)
    {
        json.WriteStartObject();
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            json.WritePropertyName(column.Name);
            if (reader.IsDBNull(i))
            {
                json.WriteNullValue();
                continue;
            }

            switch (column.Kind)
            {
                case ColumnKind.Int:
                    json.WriteNumberValue(Convert.ToInt32(reader.GetValue(i), CultureInfo.InvariantCulture));
                    break;
                case ColumnKind.Long:
                    json.WriteNumberValue(Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture));
                    break;
                case ColumnKind.Bool:
                    json.WriteBooleanValue(reader.GetBoolean(i));
                    break;
                case ColumnKind.Time:
                    json.WriteStringValue(SqlValues.ReadTime(reader, i).UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture));
                    break;
                case ColumnKind.Bytes:
                    json.WriteBase64StringValue(reader.GetFieldValue<byte[]>(i));
                    break;
                default:
                    json.WriteStringValue(reader.GetString(i));
                    break;
            }
        }

        json.WriteEndObject();
    }

    private static object? Read(JsonElement value, ColumnKind kind) => value.ValueKind == JsonValueKind.Null
        ? kind == ColumnKind.Time ? SqlValues.Time(null) : null
        : kind switch
        {
            ColumnKind.Int => value.GetInt32(),
            ColumnKind.Long => value.GetInt64(),
            ColumnKind.Bool => value.GetBoolean(),
            ColumnKind.Time => new DateTimeOffset(DateTime.ParseExact(value.GetString()!, TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero),
            ColumnKind.Bytes => value.GetBytesFromBase64(),
            _ => value.GetString(),
        };
}
