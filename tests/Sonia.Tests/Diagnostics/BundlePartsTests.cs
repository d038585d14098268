using Sonia.Gateway.Diagnostics;
using Sonia.Grains.Diagnostics;
using Sonia.Hosting.Configuration;
using Sonia.Hosting.Database;
using Sonia.Hosting.Logging;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Diagnostics;

/// <summary>The incident bundle's parts on their own: log windows, whose files are whose, SQL, placeholder renumbering.</summary>
public sealed class BundlePartsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("sonia-bundle-parts-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void LogWindow_Cap_KeepsTheNewestLines_AndCountsEveryLineInTheWindow()
    {
        var path = Path.Combine(_folder, "silo-1.jsonl");
        BundleDownload.PlantLog(path, [.. Enumerable.Range(0, 10).Select(i => (Now.AddMinutes(i), $"m{i}"))]);

        var plan = LogWindowReader.Plan(path, Now.AddMinutes(2), Now.AddMinutes(8), maxLines: 3);
        var page = LogWindowReader.Read(path, Now.AddMinutes(2), Now.AddMinutes(8), plan.Start, plan.End, 100, 1 << 20);

        Assert.Equal((6, 3), (plan.Matched, plan.Kept));
        Assert.Equal(["m5", "m6", "m7"], page.Lines.Select(Message));
        Assert.True(page.Done);
    }

    [Fact]
    public void LogWindow_LeavesOutALineStillBeingWritten_AndLinesWithoutATime()
    {
        var path = Path.Combine(_folder, "gateway.jsonl");
        BundleDownload.PlantLog(path, (Now, "complete"));
        File.AppendAllText(path, "not json at all\n{\"level\":\"info\",\"msg\":\"no ts\"}\n{\"ts\":\"2026-12-02T08:00:01.000Z\",\"msg\":\"half");

        var plan = LogWindowReader.Plan(path, Now.AddMinutes(-1), Now.AddMinutes(1), 100);
        var page = LogWindowReader.Read(path, Now.AddMinutes(-1), Now.AddMinutes(1), plan.Start, plan.End, 100, 1 << 20);

        Assert.Equal(["complete"], page.Lines.Select(Message));
    }

    [Fact]
    public void LogWindow_Pages_ResumeWhereThePreviousStopped()
    {
        var path = Path.Combine(_folder, "silo-2.jsonl");
        BundleDownload.PlantLog(path, [.. Enumerable.Range(0, 7).Select(i => (Now.AddSeconds(i), $"p{i}"))]);
        var plan = LogWindowReader.Plan(path, Now, Now.AddMinutes(1), 100);

        var seen = new List<string>();
        for (var offset = plan.Start; offset < plan.End;)
        {
            var page = LogWindowReader.Read(path, Now, Now.AddMinutes(1), offset, plan.End, maxLines: 3, maxChars: 1 << 20);
            seen.AddRange(page.Lines.Select(Message));
            offset = page.Next;
        }

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"p{i}"), seen);
    }

    [Fact]
    public void LogFiles_AreOnlyTheProcesssOwn_OldestFirst()
    {
        foreach (var file in new[] { "silo-1.jsonl", "silo-1_002.jsonl", "silo-1_001.jsonl", "silo-11.jsonl", "silo-1_x.jsonl", "gateway.jsonl" })
        {
            File.WriteAllText(Path.Combine(_folder, file), "");
        }

        var location = new LogFileLocation(_folder, "silo-1");

        Assert.Equal(["silo-1.jsonl", "silo-1_001.jsonl", "silo-1_002.jsonl"], location.Files());
        Assert.Null(location.PathOf("../silo-11.jsonl"));
        Assert.Null(location.PathOf("silo-11.jsonl"));
    }

    [Fact]
    public void Secrets_FromTwoProcesses_GetOnePlaceholderPerSecret_AndNeverLeaveTheSilo()
    {
        var bundle = new BundleSecrets();
        bundle.Redactor.Placeholder("shared-password");
        bundle.AdoptOwn();
        var silo = new SecretRedactor();
        var siloOnly = silo.Placeholder("silo-only-token");
        var shared = silo.Placeholder("shared-password");

        var renumbering = bundle.Renumbering(silo.Fingerprints(bundle.Key));

        Assert.Equal("[redacted-secret-1]", renumbering[shared]);
        Assert.Equal("[redacted-secret-2]", renumbering[siloOnly]);
        Assert.Equal("a [redacted-secret-2] b [redacted-secret-1] c [redacted-secret-?]",
            bundle.FromSilo($"a {siloOnly} b {shared} c [redacted-secret-9]", renumbering));
        Assert.DoesNotContain("silo-only-token", string.Join(",", silo.Fingerprints(bundle.Key).Values));
    }

    [Fact]
    public void BundleSql_EveryStatement_ParsesAsTSql()
    {
        foreach (var table in BundleSql.Tables)
        {
            TSqlScripts.Parse(BundleSql.For(DatabaseProvider.SqlServer, table), table);
        }
    }

    private static string Message(string line) =>
        System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("msg").GetString()!;
}
