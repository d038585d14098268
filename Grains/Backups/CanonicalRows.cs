using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Sonia.Grains.Storage;

namespace Sonia.Grains.Backups;

/// <summary>
/// Rows in the canonical text of formats <c>sonia-backup/2</c> and <c>/3</c>: exactly what PostgreSQL's <c>COPY … TO STDOUT</c> (text
/// format) prints for the canonical column expressions of <see cref="BackupTable.CanonicalSelect"/>. One line per row ended by <c>\n</c>,
/// columns in table order separated by a tab, NULL as <c>\N</c>; in a value, backslash, backspace, form feed, newline, carriage return, tab
/// and vertical tab are written <c>\\ \b \f \n \r \t \v</c> and every other character as itself (UTF-8). Integers in decimal, booleans
/// <c>t</c>/<c>f</c>, bytes as lower-case hex, times as PostgreSQL prints a <c>timestamptz</c> in UTC with DateStyle ISO: <c>yyyy-MM-dd
/// HH:mm:ss</c>, then the fraction of a second without its trailing zeros (none when it is zero), then <c>+00</c> (so <c>2026-12-02
/// 10:11:12.1234+00</c>). The application writes the same bytes as the database (the SQL Server path and the grain-state artifacts are
/// written here, the others by COPY on PostgreSQL; a test holds both to the same bytes), and a line read back gives the values that were
/// written, so a restored table written again hashes as the backup did.
/// </summary>
public static class CanonicalRows
{
    /// <summary>The manifest's times (not the rows').</summary>
    public const string TimeFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

    private static readonly string[] RowTimeFormats =
        ["yyyy'-'MM'-'dd' 'HH':'mm':'ss'+00'", "yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'FFFFFFF'+00'"];

    private const string Null = "\\N";

    private static readonly SearchValues<char> Escaped = SearchValues.Create("\\\b\f\n\r\t\v");

    /// <summary>Writes every row of <paramref name="reader"/> to <paramref name="output"/>; returns how many.</summary>
    public static async Task<long> WriteAllAsync(DbDataReader reader, IReadOnlyList<BackupColumn> columns, Stream output,
        CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(80 * 1024);
        var text = new StringBuilder(1024);
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            text.Clear();
            AppendRow(text, reader, columns);
            text.Append('\n');
            foreach (var chunk in text.GetChunks())
            {
                var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(chunk.Length));
                buffer.Advance(Encoding.UTF8.GetBytes(chunk.Span, span));
            }

            if (buffer.WrittenCount >= 64 * 1024)
            {
                await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
                buffer.ResetWrittenCount();
            }

            rows++;
        }

        await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
        return rows;
    }

    /// <summary>The current row of <paramref name="reader"/> as one line (without its <c>\n</c>).</summary>
    public static string Line(DbDataReader reader, IReadOnlyList<BackupColumn> columns)
    {
        var text = new StringBuilder(1024);
        AppendRow(text, reader, columns);
        return text.ToString();
    }

    /// <summary>The values of one line as statement parameters named after the columns (prefixed by <paramref name="prefix"/>).</summary>
    public static IEnumerable<(string Name, object? Value)> Parameters(string line, IReadOnlyList<BackupColumn> columns, string prefix = "")
    {
        var fields = Fields(line, columns);
        return columns.Select((column, i) => (prefix + column.Name, Read(fields[i], column.Kind)));
    }

    /// <summary>The unescaped values of one line, null for NULL; a line with the wrong number of fields is refused.</summary>
    public static string?[] Fields(string line, IReadOnlyList<BackupColumn> columns)
    {
        var raw = line.Split('\t');
        CheckFieldCount(raw.Length, columns);

        return raw.Select(f => f == Null ? null : Unescape(f)).ToArray();
    }

    /// <summary>The names of the columns whose values differ between two lines of the same table.</summary>
    public static IReadOnlyList<string> Differences(string a, string b, IReadOnlyList<BackupColumn> columns)
    {
        var left = Fields(a, columns);
        var right = Fields(b, columns);
        return columns.Where((_, i) => left[i] != right[i]).Select(c => c.Name).ToList();
    }

    /// <summary>
    /// The text value of <paramref name="column"/> in one line, as <see cref="Fields"/> gives it, without splitting the rest of
    /// the line: a restore reads every line's key (and each dead letter's action) this way.
    /// </summary>
    public static string? Text(string line, IReadOnlyList<BackupColumn> columns, string column)
    {
        var index = 0;
        while (index < columns.Count && columns[index].Name != column)
        {
            index++;
        }

        if (index == columns.Count)
        {
            throw new ArgumentException($"the table has no column {column}", nameof(column));
        }

        var rest = line.AsSpan();
        CheckFieldCount(rest.Count('\t') + 1, columns);

        for (var i = 0; i < index; i++)
        {
            rest = rest[(rest.IndexOf('\t') + 1)..];
        }

        var end = rest.IndexOf('\t');
        var field = end < 0 ? rest : rest[..end];
        return field.SequenceEqual(Null) ? null : Unescape(field.ToString());
    }

    private static void CheckFieldCount(int fields, IReadOnlyList<BackupColumn> columns)
    {
        if (fields != columns.Count)
        {
            throw new FormatException($"a row has {fields} field(s), the table {columns.Count}");
        }
    }

    private static void AppendRow(StringBuilder text, DbDataReader reader, IReadOnlyList<BackupColumn> columns)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0)
            {
                text.Append('\t');
            }

            if (reader.IsDBNull(i))
            {
                text.Append(Null);
                continue;
            }

            switch (columns[i].Kind)
            {
                case ColumnKind.Int:
                    text.Append(Convert.ToInt32(reader.GetValue(i), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                    break;
                case ColumnKind.Long:
                    text.Append(Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                    break;
                case ColumnKind.Bool:
                    text.Append(reader.GetBoolean(i) ? 't' : 'f');
                    break;
                case ColumnKind.Time:
                    AppendTime(text, SqlValues.ReadTime(reader, i).UtcDateTime);
                    break;
                case ColumnKind.Bytes:
                    text.Append(Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(i)));
                    break;
                default:
                    AppendEscaped(text, reader.GetString(i));
                    break;
            }
        }
    }

    private static void AppendTime(StringBuilder text, DateTime utc)
    {
        text.Append(CultureInfo.InvariantCulture, $"{utc:yyyy'-'MM'-'dd' 'HH':'mm':'ss}");
        if (utc.Ticks % TimeSpan.TicksPerSecond is var fraction and not 0)
        {
            text.Append('.').Append(fraction.ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0'));
        }

        text.Append("+00");
    }

    /// <summary>COPY's text escaping: the six control characters it names and the backslash; everything else as is.</summary>
    private static void AppendEscaped(StringBuilder text, string value)
    {
        // Most values hold none of them: one vectorised search, then the whole value at once.
        var first = value.AsSpan().IndexOfAny(Escaped);
        if (first < 0)
        {
            text.Append(value);
            return;
        }

        text.Append(value, 0, first);
        foreach (var c in value.AsSpan(first))
        {
            _ = c switch
            {
                '\\' => text.Append("\\\\"),
                '\b' => text.Append("\\b"),
                '\f' => text.Append("\\f"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                '\v' => text.Append("\\v"),
                _ => text.Append(c),
            };
        }
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] != '\\' || i == field.Length - 1)
            {
                text.Append(field[i]);
                continue;
            }

            text.Append(field[++i] switch
            {
                'b' => '\b',
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'v' => '\v',
                var other => other,
            });
        }

        return text.ToString();
    }

    private static object? Read(string? value, ColumnKind kind) => value is null
        ? kind == ColumnKind.Time ? SqlValues.Time(null) : null
        : kind switch
        {
            ColumnKind.Int => int.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            ColumnKind.Long => long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            ColumnKind.Bool => value switch
            {
                "t" => true,
                "f" => false,
                _ => throw new FormatException($"'{value}' is not a canonical boolean (t or f)"),
            },
            ColumnKind.Time => new DateTimeOffset(DateTime.ParseExact(value, RowTimeFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero),
            ColumnKind.Bytes => Convert.FromHexString(value),
            _ => value,
        };
}
