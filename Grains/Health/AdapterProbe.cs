using System.Diagnostics;
using System.Net.Sockets;

namespace Sonia.Grains.Health;

/// <summary>
/// Whether an HTTP executor's host accepts a TCP connection. Deliberately no HTTP request: an executor's one endpoint,
/// <c>POST /execute</c>, runs the tool (a side effect), and executors are not required to answer HEAD or GET at all, so
/// any request could either do harm or fail for the wrong reason. A connect that is accepted says "something listens
/// there", which is what an operator needs to tell a dead executor from a failing one.
/// </summary>
public static class AdapterProbe
{
    public static async Task<AdapterProbeResult> ProbeAsync(Uri baseUrl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(baseUrl.Host, baseUrl.Port, limit.Token);
            return new AdapterProbeResult(true, Stopwatch.GetElapsedTime(started), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AdapterProbeResult(false, Stopwatch.GetElapsedTime(started), $"no connection within {timeout.TotalSeconds:0.##} s");
        }
        catch (SocketException ex)
        {
            return new AdapterProbeResult(false, Stopwatch.GetElapsedTime(started), $"connection failed ({ex.SocketErrorCode})");
        }
    }

    /// <summary>Where a probe goes, for reasons and logs: host and port only, never the URL's user info, path or query.</summary>
    public static string Endpoint(Uri baseUrl) => $"{baseUrl.Host}:{baseUrl.Port}";
}

/// <summary>The outcome of one connect: <see cref="Error"/> is a short reason that names no secret.</summary>
public sealed record AdapterProbeResult(bool Reachable, TimeSpan Latency, string? Error);
