using System.Net;
using System.Net.Sockets;

namespace Sonia.Benchmarks.Load;

/// <summary>Loopback TCP ports that are free right now, chosen by the kernel.</summary>
public static class FreePorts
{
    /// <summary>
    /// All listeners are open at once, so the ports are distinct; they are closed before returning, so another
    /// program could take one before Sonia binds it (up.sh then fails with a clear message, and the run stops).
    /// </summary>
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
