using Sonia.Hosting.Cluster;

namespace Sonia.Gateway;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            var app = GatewayApp.Build(args);
            await app.RunAsync();
            return 0;
        }
        catch (StartupException ex)
        {
            await Console.Error.WriteLineAsync($"sonia-gateway: {ex.Message}");
            return 2;
        }
    }
}
