using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sonia.Benchmarks.Drills;

/// <summary>One drill's result: pass/fail with the reasons, the measured seconds, the outcome counts and every HTTP answer.</summary>
public sealed record DrillResult(
    int Drill,
    string Name,
    bool Passed,
    IReadOnlyList<string> Failures,
    IReadOnlyDictionary<string, double?> Seconds,
    DrillOutcome Outcome,
    IReadOnlyDictionary<string, int> Answers,
    double SlowestAnswerSeconds,
    IReadOnlyList<string> Notes);

/// <summary>Writes <c>chaos-report.json</c> and <c>chaos-report.md</c>.</summary>
public static class DrillReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
    };

    public static async Task WriteAsync(string directory, IReadOnlyList<DrillResult> results, bool quick)
    {
        Directory.CreateDirectory(directory);
        var report = new { generated_at = DateTimeOffset.UtcNow, quick, passed = results.All(r => r.Passed), drills = results };
        await File.WriteAllTextAsync(Path.Combine(directory, "chaos-report.json"), JsonSerializer.Serialize(report, Json));
        await File.WriteAllTextAsync(Path.Combine(directory, "chaos-report.md"), Markdown(results, quick));
    }

    public static string Markdown(IReadOnlyList<DrillResult> results, bool quick)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Chaos drill report{(quick ? " (--quick)" : "")}").AppendLine();
        md.AppendLine("| drill | result | recovery (s) | accepted | completed | dead-lettered | lost | duplicated | answers | slowest answer (s) |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var seconds = string.Join("; ", r.Seconds.Select(s => $"{s.Key} {(s.Value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "never")}"));
            var answers = string.Join(", ", r.Answers.Select(a => $"{a.Key}×{a.Value}"));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Drill}. {r.Name} | {(r.Passed ? "pass" : "FAIL")} | {seconds} | {r.Outcome.Accepted} | {r.Outcome.Completed} | "
                + $"{r.Outcome.DeadLettered} | {r.Outcome.Lost} | {r.Outcome.Duplicated} | {answers} | {r.SlowestAnswerSeconds:0.0} |");
        }

        md.AppendLine();
        foreach (var r in results.Where(r => r.Notes.Count > 0))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- drill {r.Drill}: {string.Join("; ", r.Notes)}");
        }

        foreach (var r in results.Where(r => !r.Passed))
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Drill {r.Drill} failed: {string.Join("; ", r.Failures)}");
        }

        return md.ToString();
    }
}
