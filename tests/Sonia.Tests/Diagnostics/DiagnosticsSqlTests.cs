using Microsoft.Extensions.Logging.Abstractions;
using Sonia.Grains.Diagnostics;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Diagnostics;

/// <summary>The snapshot's T-SQL twins parse; a failing section leaves the others whole.</summary>
public sealed class DiagnosticsSqlTests
{
    public static TheoryData<int> Statements() => [.. Enumerable.Range(0, DiagnosticsSql.For(DatabaseProvider.SqlServer).All().Count())];

    [Theory]
    [MemberData(nameof(Statements))]
    public void SqlServerStatement_ParsesAsTSql(int index)
    {
        TSqlScripts.Parse(DiagnosticsSql.For(DatabaseProvider.SqlServer).All().ElementAt(index));
    }

    [Fact]
    public void BothDialects_HaveTheSameStatements() =>
        Assert.Equal(
            DiagnosticsSql.For(DatabaseProvider.PostgreSql).All().Count(), DiagnosticsSql.For(DatabaseProvider.SqlServer).All().Count());

    [Fact]
    public async Task FailingSection_ComesBackNullWithAShortReason_AndTheOthersStillAnswer()
    {
        var errors = new Dictionary<string, string>();
        var timeout = TimeSpan.FromMilliseconds(200);

        var failed = await SnapshotSection.RunAsync<string>("dlq", _ => throw new InvalidOperationException("Host=db;Password=planted"),
            timeout, errors, NullLogger.Instance);
        var slow = await SnapshotSection.RunAsync("actions", async ct => { await Task.Delay(TimeSpan.FromSeconds(10), ct); return "late"; },
            timeout, errors, NullLogger.Instance);
        var fine = await SnapshotSection.RunAsync("cluster", _ => Task.FromResult("ok"), timeout, errors, NullLogger.Instance);

        Assert.Null(failed);
        Assert.Null(slow);
        Assert.Equal("ok", fine);
        Assert.Equal("InvalidOperationException (details in the silo log)", errors["dlq"]);
        Assert.Equal("no answer within 0.2 s", errors["actions"]);
        Assert.False(errors.ContainsKey("cluster"));
    }
}
