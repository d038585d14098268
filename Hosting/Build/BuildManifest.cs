using System.Reflection;
using System.Runtime.InteropServices;

namespace Sonia.Hosting.Build;

/// <summary>
/// What this build is made of, fixed when it was compiled: the git commit, the package lock files and, when the
/// repository had one, <c>deploy/dependencies.frozen.txt</c>. They are embedded because a deployed build has no
/// source tree to read them from.
/// </summary>
public static class BuildManifest
{
    public const string Unknown = "unknown";
    private const string LockPrefix = "sonia.lock.";
    private const string FrozenName = "sonia.dependencies.frozen.txt";

    private static readonly Assembly Self = typeof(BuildManifest).Assembly;

    /// <summary>The commit the build was made from, or <see cref="Unknown"/> when it was built outside a git checkout.</summary>
    public static string GitCommit { get; } =
        Self.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "SoniaGitCommit")?.Value is { Length: > 0 } commit
            ? commit
            : Unknown;

    public static string SoniaVersion { get; } = InformationalVersion(Self);

    public static string DotNetVersion => RuntimeInformation.FrameworkDescription;

    public static string OrleansVersion { get; } = InformationalVersion(typeof(IGrain).Assembly);

    /// <summary>Each project's <c>packages.lock.json</c>, by project folder name.</summary>
    public static IReadOnlyList<string> LockFileProjects { get; } =
    [
        .. Self.GetManifestResourceNames()
            .Where(n => n.StartsWith(LockPrefix, StringComparison.Ordinal))
            .Select(n => n[LockPrefix.Length..])
            .Order(StringComparer.Ordinal),
    ];

    public static Stream OpenLockFile(string project) =>
        Self.GetManifestResourceStream(LockPrefix + project) ?? throw new FileNotFoundException($"no lock file embedded for {project}");

    /// <summary>The frozen dependency list, or null when the build had none.</summary>
    public static Stream? OpenFrozenDependencies() => Self.GetManifestResourceStream(FrozenName);

    private static string InformationalVersion(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? Unknown;
}
