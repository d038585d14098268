using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Sonia.Tests.Infrastructure;

/// <summary>No SQL Server engine runs here, so every T-SQL statement and script must at least parse (ScriptDom, SQL Server 2022).</summary>
public static class TSqlScripts
{
    /// <summary>The parsed script; fails the test naming <paramref name="name"/> (or the SQL) and each error's place.</summary>
    public static TSqlScript Parse(string sql, string? name = null)
    {
        using var reader = new StringReader(sql);
        var script = new TSql160Parser(initialQuotedIdentifiers: true).Parse(reader, out var errors);
        Assert.True(errors.Count == 0, $"{name ?? sql}\n" + string.Join("; ", errors.Select(e => $"line {e.Line} col {e.Column}: {e.Message}")));
        return (TSqlScript)script;
    }

    /// <summary>Every statement parses.</summary>
    public static void AllParse(IEnumerable<string> statements)
    {
        foreach (var sql in statements)
        {
            Parse(sql);
        }
    }
}
