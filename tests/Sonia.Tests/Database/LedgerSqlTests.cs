using Microsoft.SqlServer.TransactSql.ScriptDom;
using Sonia.Grains.Actions.Ledger;
using Sonia.Hosting.Database;

namespace Sonia.Tests.Database;

/// <summary>The ledger's PostgreSQL statements run live in every pipeline test; its T-SQL ones must at least parse.</summary>
public sealed class LedgerSqlTests
{
    public static TheoryData<int> Statements()
    {
        var data = new TheoryData<int>();
        foreach (var i in Enumerable.Range(0, LedgerSql.For(DatabaseProvider.SqlServer).All().Count()))
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void SqlServerStatement_ParsesAsTSql(int index)
    {
        var sql = LedgerSql.For(DatabaseProvider.SqlServer).All().ElementAt(index);
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);

        parser.Parse(reader, out var errors);

        Assert.True(errors.Count == 0, $"{sql}\n" + string.Join("; ", errors.Select(e => $"col {e.Column}: {e.Message}")));
    }

    [Fact]
    public void BothDialects_HaveTheSameStatements() =>
        Assert.Equal(
            LedgerSql.For(DatabaseProvider.PostgreSql).All().Count(),
            LedgerSql.For(DatabaseProvider.SqlServer).All().Count());
}
