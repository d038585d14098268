namespace Sonia.Tests.Infrastructure;

/// <summary>Paths inside the repository the tests run from.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were built with (Debug or Release).</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string SiloDll => Path.Combine(Root, "Silo", "bin", Configuration, "net10.0", "Sonia.Silo.dll");

    public static string GatewayDll => Path.Combine(Root, "Gateway", "bin", Configuration, "net10.0", "Sonia.Gateway.dll");

    public static string SqlFolder(string dialect) => Path.Combine(Root, "deploy", "sql", dialect);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sonia.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Sonia.sln not found above {AppContext.BaseDirectory}");
    }
}
