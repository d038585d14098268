using System.Diagnostics;

namespace Sonia.Tests.Infrastructure;

/// <summary>Runs a command to completion and captures its output; for setup steps, not for the system under test.</summary>
public static class Shell
{
    public static bool IsRoot => Environment.UserName == "root";

    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }

    /// <summary>Runs as the <c>postgres</c> user when we are root (initdb and postgres refuse to run as root).</summary>
    public static Task<(int ExitCode, string Output)> RunAsPostgresAsync(string file, params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", file, .. args]) : RunAsync(file, args);

    public static int FreeTcpPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
