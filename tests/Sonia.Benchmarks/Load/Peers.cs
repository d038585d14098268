using System.Diagnostics;
using System.Globalization;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// <c>--peers</c>: runs the peer benchmarks (<c>../shared/peers/run.sh</c>: raw single-row INSERTs, Wolverine's durable
/// local queue, Hangfire on PostgreSQL, each on a throwaway PostgreSQL of its own) right after Sonia's run, in the same
/// invocation, and reads their <c>RESULT</c> lines.
/// </summary>
public static class Peers
{
    /// <summary>Where the script is looked for, relative to the repository root (and to the main checkout's, for a worktree).</summary>
    public const string RelativeScript = "../shared/peers/run.sh";

    /// <summary>Build of the three peers (about a minute here) plus Hangfire's 20,000 jobs at ~110/s, with room.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(20);

    /// <summary>The script: <paramref name="explicitPath"/> when given, else <see cref="RelativeScript"/> from the repository.</summary>
    /// <exception cref="InvalidOperationException">It is not there; the message names every place looked at.</exception>
    public static string Locate(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath)
                ? Path.GetFullPath(explicitPath)
                : throw new InvalidOperationException($"--peers-script {explicitPath}: no such file");
        }

        var root = LocalSonia.FindRepositoryRoot();
        var candidates = new List<string> { Path.GetFullPath(Path.Combine(root, RelativeScript)) };
        if (MainCheckoutOf(root) is { } main)
        {
            candidates.Add(Path.GetFullPath(Path.Combine(main, RelativeScript)));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"--peers needs the peer benchmarks at {RelativeScript} next to the repository; "
                + $"not found at {string.Join(" nor ", candidates)} "
                + "(or name the script with --peers-script PATH)");
    }

    /// <summary>Runs the script with <c>--n</c> <paramref name="jobs"/>; its stderr is echoed, its RESULT lines parsed.</summary>
    public static async Task<IReadOnlyList<PeerResult>> RunAsync(string script, int jobs, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"==> peers: {script} --n {jobs} (builds the peers, then runs each on its own PostgreSQL)");
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Path.GetDirectoryName(script)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { script, "--n", jobs.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var results = new List<PeerResult>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine($"    | {line}");
                if (PeerResult.Parse(line) is { } result)
                {
                    lock (results)
                    {
                        results.Add(result);
                    }
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine($"    | {line}");
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM: the script's trap stops its PostgreSQL and deletes its folder.
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync(CancellationToken.None);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{script} did not finish within {Limit.TotalMinutes:0} min");
        }

        // Flush the asynchronous readers before the results are read.
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode} (its output is above)");
        }

        return results;
    }

    /// <summary>
    /// The main checkout of a git worktree (its <c>.git</c> is a file naming <c>MAIN/.git/worktrees/NAME</c>); null otherwise.
    /// </summary>
    private static string? MainCheckoutOf(string root)
    {
        var dotGit = Path.Combine(root, ".git");
        if (!File.Exists(dotGit)
            || File.ReadLines(dotGit).FirstOrDefault() is not { } line
            || !line.StartsWith("gitdir:", StringComparison.Ordinal))
        {
            return null;
        }

        var gitDir = new DirectoryInfo(Path.GetFullPath(line["gitdir:".Length..].Trim(), root));
        return gitDir.Parent?.Name == "worktrees" && gitDir.Parent.Parent is { Name: ".git" } common ? common.Parent?.FullName : null;
    }
}

/// <summary>One <c>RESULT name key=value ...</c> line of the peers' script.</summary>
public sealed record PeerResult(string Name, IReadOnlyDictionary<string, string> Values)
{
    public const string Baseline = "baseline";
    public const string Wolverine = "wolverine";
    public const string Hangfire = "hangfire";

    /// <summary>Jobs (or, for the baseline, commits) per second.</summary>
    public double? PerSecond => Number(Name == Baseline ? "commits_per_s" : "completed_per_s");

    /// <summary>Machine-wide busy CPU (the peer's one process and its PostgreSQL together) per job, in ms.</summary>
    public double? CpuMsPerItem => Name == Baseline ? Number("cpu_us_per_commit") / 1000 : Number("cpu_ms_per_job");

    public double? Number(string key) =>
        Values.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    public static PeerResult? Parse(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not ["RESULT", var name, ..])
        {
            return null;
        }

        var values = parts.Skip(2).Select(p => p.Split('=', 2)).Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1].TrimEnd('%'));
        return new PeerResult(name, values);
    }
}
