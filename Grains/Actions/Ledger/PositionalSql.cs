using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>
/// A ledger statement with its <c>@name</c> parameters turned into PostgreSQL's <c>$1, $2, …</c>, once per statement
/// text. Npgsql sends a command with positional parameters as it is; with named ones it parses and rewrites the SQL on
/// every execution, which was a tenth of the silo's database time under load.
/// </summary>
public sealed partial record PositionalSql(string Sql, IReadOnlyList<string> Names)
{
    private static readonly ConcurrentDictionary<string, PositionalSql> Known = new(StringComparer.Ordinal);

    /// <summary>The positional form of <paramref name="sql"/>: a name used twice gets one number.</summary>
    /// <remarks>Only for the ledger's own statements: they hold no <c>@</c> inside a literal, a comment or an identifier.</remarks>
    public static PositionalSql Of(string sql) => Known.GetOrAdd(sql, static text =>
    {
        var names = new List<string>();
        var rewritten = Parameter().Replace(text, match =>
        {
            var index = names.IndexOf(match.Groups[1].Value);
            if (index < 0)
            {
                names.Add(match.Groups[1].Value);
                index = names.Count - 1;
            }

            return "$" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        return new PositionalSql(rewritten, names);
    });

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Parameter();
}
