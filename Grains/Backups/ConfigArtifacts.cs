using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Sonia.Hosting.Configuration;

namespace Sonia.Grains.Backups;

/// <summary>A file-like artifact that is not a table: its bytes and how many rows (entries or lines) it holds.</summary>
public sealed record FileArtifact(string Name, byte[] Content, long Rows);

/// <summary>
/// The configuration artifacts: the effective configuration with every secret redacted, the NuGet lock files and
/// <c>deploy/dependencies.frozen.txt</c>, looked for under the source root. What is missing is named in <see cref="Notes"/>.
/// </summary>
public sealed class ConfigArtifacts(IConfiguration configuration, BackupOptions options)
{
    public const string FrozenDependencies = "deploy/dependencies.frozen.txt";

    public (IReadOnlyList<FileArtifact> Artifacts, IReadOnlyList<string> Notes) Collect()
    {
        var notes = new List<string>();
        var dump = RedactedConfiguration.Dump(configuration, new SecretRedactor());
        var artifacts = new List<FileArtifact> { new("config/effective.json", JsonSerializer.SerializeToUtf8Bytes(dump), dump.Count) };
        var root = SourceRoot();
        if (root is null)
        {
            notes.Add($"no source root found above {AppContext.BaseDirectory}: lock files and {FrozenDependencies} are not in this backup");
            return (artifacts, notes);
        }

        var locks = Directory.EnumerateFiles(root, "packages.lock.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(part => part is "bin" or "obj" or "node_modules" || part.StartsWith('.')))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (locks.Count == 0)
        {
            notes.Add($"no packages.lock.json under {root}");
        }

        artifacts.AddRange(locks.Select(f => File(root, f, "config/" + f)));
        if (System.IO.File.Exists(Path.Combine(root, FrozenDependencies)))
        {
            artifacts.Add(File(root, FrozenDependencies, "config/dependencies.frozen.txt"));
        }
        else
        {
            notes.Add($"{FrozenDependencies} is absent under {root}");
        }

        return (artifacts, notes);
    }

    private string? SourceRoot()
    {
        if (!string.IsNullOrWhiteSpace(options.SourceRoot))
        {
            return Directory.Exists(options.SourceRoot) ? Path.GetFullPath(options.SourceRoot) : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Sonia.sln"))
                || Directory.Exists(Path.Combine(dir.FullName, "deploy", "sql")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static FileArtifact File(string root, string relative, string name)
    {
        var content = System.IO.File.ReadAllBytes(Path.Combine(root, relative));
        return new FileArtifact(name, content, content.Count(b => b == (byte)'\n'));
    }
}
