using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Deploy;

/// <summary>
/// The silo and the gateway are built with the runtime settings issue 16 measured: idle thread-pool workers do not spin
/// (they were a quarter of each process's CPU under load on the 2-core machine).
/// </summary>
public sealed class RuntimeConfigTests
{
    [Theory]
    [InlineData("silo")]
    [InlineData("gateway")]
    public void BuiltRuntimeConfig_TurnsThreadPoolSpinningOff(string process)
    {
        var dll = process == "silo" ? Repo.SiloDll : Repo.GatewayDll;
        var path = Path.ChangeExtension(dll, ".runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution first");

        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
