using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Api;

/// <summary>
/// Issue 9: every <c>$ curl</c> example of the README, extracted from the README itself, runs as pasted against a
/// running gateway and answers the status it documents (its <c>HTTP/1.1 NNN</c> line, a problem's <c>status</c>,
/// else 2xx). Ids an example shows in its output stand for the ids the real output carries in later examples.
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed partial class ReadmeExamplesTests(SoniaClusterFixture fixture)
{
    private const string DocumentedBase = "http://127.0.0.1:5080";

    [Fact]
    public async Task EveryReadmeCurlExample_AnswersItsDocumentedStatus()
    {
        var examples = Extract(await File.ReadAllLinesAsync(Path.Combine(Repo.Root, "README.md")));
        Assert.True(examples.Count >= 15, $"only {examples.Count} curl examples found");
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var baseUrl = fixture.Http.BaseAddress!.ToString().TrimEnd('/');
        var failures = new List<string>();
        try
        {
            foreach (var (command, documented) in examples)
            {
                var pasted = ids.Aggregate(command.Replace(DocumentedBase, baseUrl, StringComparison.Ordinal),
                    (text, id) => text.Replace(id.Key, id.Value, StringComparison.Ordinal));
                var withStatus = CurlAt().Replace(pasted, "curl -w '\\n%{http_code}' ", 1);
                var (exit, output) = await Shell.RunAsync("bash", ["-c", withStatus], TimeSpan.FromSeconds(60));
                var lines = output.TrimEnd().Split('\n');
                var status = int.TryParse(lines[^1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 0;
                var expected = DocumentedStatus(documented);
                if (exit != 0 || (expected is { } e ? status != e : status is < 200 or > 299))
                {
                    failures.Add($"{command}\n  expected {expected?.ToString(CultureInfo.InvariantCulture) ?? "2xx"}, got {status} (exit {exit}): {output}");
                }

                Learn(ids, documented, output);
            }
        }
        finally
        {
            // The breaker example isolates the shared executor breaker; never leave it so for the other tests.
            using var reset = await fixture.Http.PostAsync("/v1/breakers/executor/reset", JsonContent.Create(new { reason = "readme test" }));
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>Each <c>$ curl</c> command (continuation lines joined) with the output documented under it.</summary>
    private static List<(string Command, string Documented)> Extract(string[] readme)
    {
        var examples = new List<(string, string)>();
        for (var i = 0; i < readme.Length; i++)
        {
            if (!readme[i].StartsWith("$ curl", StringComparison.Ordinal))
            {
                continue;
            }

            var command = readme[i][2..];
            while (command.EndsWith('\\') && i + 1 < readme.Length)
            {
                command = command[..^1] + " " + readme[++i].Trim();
            }

            var documented = new List<string>();
            while (i + 1 < readme.Length && !readme[i + 1].StartsWith("$ ", StringComparison.Ordinal) && !readme[i + 1].StartsWith("```", StringComparison.Ordinal))
            {
                documented.Add(readme[++i]);
            }

            examples.Add((command, string.Join('\n', documented)));
        }

        return examples;
    }

    private static int? DocumentedStatus(string documented)
    {
        if (StatusLine().Match(documented) is { Success: true } line)
        {
            return int.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return documented.Contains("\"title\"", StringComparison.Ordinal) && ProblemStatus().Match(documented) is { Success: true } problem
            ? int.Parse(problem.Groups[1].Value, CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>
    /// Pairs the ids of the documented output with those of the real one, kind by kind, in order of appearance; and the
    /// <c>args_hash</c> values likewise, since an example approving an action pastes the hash an earlier one showed.
    /// </summary>
    private static void Learn(Dictionary<string, string> ids, string documented, string actual)
    {
        foreach (var (readmeHash, realHash) in ArgsHashes().Matches(documented).Select(m => m.Groups[1].Value)
                     .Zip(ArgsHashes().Matches(actual).Select(m => m.Groups[1].Value)))
        {
            ids.TryAdd(readmeHash, realHash);
        }

        var shown = Ids().Matches(documented).Select(m => m.Value).Distinct().ToList();
        var real = Ids().Matches(actual).Select(m => m.Value).Distinct().ToList();
        foreach (var kind in shown.Select(id => id[..4]).Distinct())
        {
            var pairs = shown.Where(id => id.StartsWith(kind, StringComparison.Ordinal))
                .Zip(real.Where(id => id.StartsWith(kind, StringComparison.Ordinal)));
            foreach (var (readmeId, realId) in pairs)
            {
                ids.TryAdd(readmeId, realId);
            }
        }
    }

    [GeneratedRegex("^curl ", RegexOptions.CultureInvariant)]
    private static partial Regex CurlAt();

    [GeneratedRegex(@"^HTTP/1\.1 (\d{3})", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex StatusLine();

    [GeneratedRegex("\"status\":(\\d{3})", RegexOptions.CultureInvariant)]
    private static partial Regex ProblemStatus();

    [GeneratedRegex("\"args_hash\":\"([0-9a-f]{64})\"", RegexOptions.CultureInvariant)]
    private static partial Regex ArgsHashes();

    [GeneratedRegex("(?:act|dlq|ses|rpj|mem|bak)_[0-9A-HJKMNP-TV-Z]{26}", RegexOptions.CultureInvariant)]
    private static partial Regex Ids();
}
