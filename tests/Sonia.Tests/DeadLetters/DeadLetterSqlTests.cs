using Microsoft.SqlServer.TransactSql.ScriptDom;
using Sonia.Grains.DeadLetters;
using Sonia.Hosting.Database;

namespace Sonia.Tests.DeadLetters;

/// <summary>The batch-replay statements run live on PostgreSQL in the batch tests; their T-SQL twins must at least parse.</summary>
public sealed class DeadLetterSqlTests
{
    public static TheoryData<int> Statements()
    {
        var data = new TheoryData<int>();
        foreach (var i in Enumerable.Range(0, DeadLetterSql.For(DatabaseProvider.SqlServer).All().Count()))
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void SqlServerStatement_ParsesAsTSql(int index)
    {
        var sql = DeadLetterSql.For(DatabaseProvider.SqlServer).All().ElementAt(index);
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);

        parser.Parse(reader, out var errors);

        Assert.True(errors.Count == 0, $"{sql}\n" + string.Join("; ", errors.Select(e => $"col {e.Column}: {e.Message}")));
    }

    [Fact]
    public void BothDialects_HaveTheSameStatements() =>
        Assert.Equal(DeadLetterSql.For(DatabaseProvider.PostgreSql).All().Count(), DeadLetterSql.For(DatabaseProvider.SqlServer).All().Count());
}
