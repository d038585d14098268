using Sonia.Grains.DeadLetters;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

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
        TSqlScripts.Parse(DeadLetterSql.For(DatabaseProvider.SqlServer).All().ElementAt(index));
    }

    [Fact]
    public void BothDialects_HaveTheSameStatements() =>
        Assert.Equal(DeadLetterSql.For(DatabaseProvider.PostgreSql).All().Count(), DeadLetterSql.For(DatabaseProvider.SqlServer).All().Count());
}
