using System.Diagnostics;

namespace Sonia.Benchmarks.Load;

/// <summary>Runs a deploy script with bash, echoing its output indented, within a time limit.</summary>
public static class ScriptRunner
{
    /// <returns>The script's exit code.</returns>
    /// <exception cref="TimeoutException">The script ran past <paramref name="timeout"/>; it was sent SIGTERM (its traps clean up).</exception>
    public static async Task<int> RunAsync(
        string repositoryRoot, string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(repositoryRoot, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Echo(e.Data);
        process.ErrorDataReceived += (_, e) => Echo(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Not tied to the caller's cancellation on purpose: up.sh and down.sh are bounded themselves, and stopping
        // one half-way would leave exactly the half-started Sonia the finally block is there to stop.
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM rather than Process.Kill (SIGKILL): the scripts trap TERM and stop what they started.
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();

            // bash runs a trap only once its foreground command (a build, say) returns: give it a minute, then SIGKILL.
            using var grace = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            throw new TimeoutException($"{script} did not finish within {timeout.TotalSeconds:0} s");
        }

        return process.ExitCode;
    }

    private static void Echo(string? line)
    {
        if (line is not null)
        {
            Console.Error.WriteLine($"    | {line}");
        }
    }
}
