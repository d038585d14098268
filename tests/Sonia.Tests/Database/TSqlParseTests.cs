using Microsoft.SqlServer.TransactSql.ScriptDom;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Database;

/// <summary>No SQL Server engine runs here, so every T-SQL script, and every query text it stores, must at least parse.</summary>
public sealed class TSqlParseTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repo.SqlFolder("sqlserver"), "*.sql").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void EveryPostgreSqlScript_HasASqlServerTwin()
    {
        var pg = Directory.GetFiles(Repo.SqlFolder("postgresql"), "*.sql").Select(Path.GetFileName).Order();
        var ms = Directory.GetFiles(Repo.SqlFolder("sqlserver"), "*.sql").Select(Path.GetFileName).Order();

        Assert.Equal(pg, ms);
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Script_ParsesAsTSql(string file)
    {
        var fragment = Parse(File.ReadAllText(Path.Combine(Repo.SqlFolder("sqlserver"), file)), out var errors);

        Assert.True(errors.Count == 0, Describe(file, errors));
        Assert.NotNull(fragment);
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void StoredQueryTexts_ParseAsTSql(string file)
    {
        var fragment = Parse(File.ReadAllText(Path.Combine(Repo.SqlFolder("sqlserver"), file)), out _);
        var collector = new QueryTextCollector();
        fragment.Accept(collector);

        foreach (var (key, text) in collector.Queries)
        {
            Parse(text, out var errors);
            Assert.True(errors.Count == 0, Describe($"{file} {key}", errors));
        }

        if (file.Contains("orleans", StringComparison.Ordinal))
        {
            Assert.True(collector.Queries.Count >= 20, $"expected the Orleans query texts in {file}, found {collector.Queries.Count}");
        }
    }

    private static TSqlFragment Parse(string sql, out IList<ParseError> errors)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        return parser.Parse(reader, out errors);
    }

    private static string Describe(string what, IList<ParseError> errors) =>
        $"{what}: " + string.Join("; ", errors.Select(e => $"line {e.Line} col {e.Column}: {e.Message}"));

    /// <summary>Collects (QueryKey, QueryText) pairs from INSERTs into OrleansQuery.</summary>
    private sealed class QueryTextCollector : TSqlFragmentVisitor
    {
        public List<(string Key, string Text)> Queries { get; } = [];

        public override void Visit(InsertStatement node)
        {
            if (node.InsertSpecification.Target is NamedTableReference target
                && string.Equals(target.SchemaObject.BaseIdentifier.Value, "OrleansQuery", StringComparison.OrdinalIgnoreCase))
            {
                var strings = new List<string>();
                node.InsertSpecification.InsertSource.Accept(new StringCollector(strings));
                for (var i = 0; i + 1 < strings.Count; i += 2)
                {
                    Queries.Add((strings[i], strings[i + 1]));
                }
            }

            base.Visit(node);
        }
    }

    private sealed class StringCollector(List<string> strings) : TSqlFragmentVisitor
    {
        public override void Visit(StringLiteral node) => strings.Add(node.Value);
    }
}
