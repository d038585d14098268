using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Deploy;

/// <summary>deploy/dependencies.frozen.txt is what deploy/freeze-dependencies.sh makes of the lock files, and its --check sees drift.</summary>
public sealed class FrozenDependenciesTests : IDisposable
{
    private readonly string _copy = Path.Combine(Path.GetTempPath(), $"sonia-freeze-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_copy))
        {
            Directory.Delete(_copy, recursive: true);
        }
    }

    [Fact]
    public async Task Check_OnTheRepository_Passes()
    {
        var (code, output) = await CheckAsync(Repo.Root);

        Assert.True(code == 0, $"deploy/dependencies.frozen.txt is stale: run ./deploy/freeze-dependencies.sh and commit it.\n{output}");
        Assert.Contains("matches the", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_AfterALockFileChanged_FailsAndShowsTheDifference()
    {
        var locks = CopyRepository();
        Assert.Equal(0, (await CheckAsync(_copy)).ExitCode);
        var gateway = Path.Combine(_copy, "Gateway", "packages.lock.json");
        Assert.Contains(gateway, locks);
        var text = await File.ReadAllTextAsync(gateway);
        const string Pin = "\"Microsoft.Orleans.Client\": {";
        var at = text.IndexOf("\"resolved\": \"", text.IndexOf(Pin, StringComparison.Ordinal), StringComparison.Ordinal) + "\"resolved\": \"".Length;
        var version = text[at..text.IndexOf('"', at)];
        await File.WriteAllTextAsync(gateway, string.Concat(text.AsSpan(0, at), "99.0.0", text.AsSpan(at + version.Length)));

        var (code, output) = await CheckAsync(_copy);

        Assert.NotEqual(0, code);
        Assert.Contains($"-Microsoft.Orleans.Client {version} direct", output, StringComparison.Ordinal);
        Assert.Contains("+Microsoft.Orleans.Client 99.0.0 direct", output, StringComparison.Ordinal);
        Assert.Contains("run ./deploy/freeze-dependencies.sh", output, StringComparison.Ordinal);
    }

    // The script, its helpers, the frozen file and every lock file, at the same relative paths: never touch the repository.
    private List<string> CopyRepository()
    {
        var locks = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Repo.Root, "packages.lock.json", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
        {
            var relative = Path.GetRelativePath(Repo.Root, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or ".data" or ".git"))
            {
                continue;
            }

            locks.Add(Copy(relative));
        }

        Copy(Path.Combine("deploy", "freeze-dependencies.sh"));
        Copy(Path.Combine("deploy", "dependencies.frozen.txt"));
        foreach (var helper in Directory.GetFiles(Path.Combine(Repo.Root, "deploy", "lib")))
        {
            Copy(Path.GetRelativePath(Repo.Root, helper));
        }

        return locks;
    }

    private string Copy(string relative)
    {
        var target = Path.Combine(_copy, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(Path.Combine(Repo.Root, relative), target);
        return target;
    }

    private static Task<(int ExitCode, string Output)> CheckAsync(string root) =>
        Shell.RunAsync("bash", [Path.Combine(root, "deploy", "freeze-dependencies.sh"), "--check"], TimeSpan.FromMinutes(1), workingDirectory: root);
}
