using System.Net;
using Sonia.Hosting.Cluster;

namespace Sonia.Gateway.Security;

/// <summary>
/// With no keys configured the gateway runs open, every request acting as <c>admin</c> named <c>local</c>, but only
/// when every address it binds is loopback: exposing an open gateway is refused at start-up.
/// </summary>
public static class OpenLocalMode
{
    public const string ActorName = "local";

    /// <summary>Every address the server will bind: the urls setting (which overrides http_ports) and Kestrel endpoints.</summary>
    public static IReadOnlyList<string> BoundAddresses(IConfiguration configuration, string? urls)
    {
        var addresses = new List<string>();
        addresses.AddRange(Split(urls));
        addresses.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => e["Url"]).Where(u => !string.IsNullOrWhiteSpace(u))!);
        return addresses;
    }

    /// <summary>Throws the one line an operator is shown when keys are missing on a non-loopback address.</summary>
    public static void RequireLoopback(IReadOnlyList<string> addresses)
    {
        var exposed = addresses.Where(a => !IsLoopback(a)).ToList();
        if (exposed.Count > 0)
        {
            throw new StartupException(
                $"no API keys are configured (Sonia__Auth__Keys__<name>__Role/__Hash) and the gateway would listen on " +
                $"{string.Join(", ", exposed)}, which is not loopback: refusing to run open. Configure keys or bind 127.0.0.1.");
        }
    }

    public static bool IsLoopback(string address)
    {
        try
        {
            var host = BindingAddress.Parse(address).Host.Trim('[', ']');
            return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static IEnumerable<string> Split(string? value) =>
        (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
