namespace Sonia.Hosting.Logging;

/// <summary>
/// Where this process writes its JSON Lines: <c>&lt;directory&gt;/&lt;name&gt;.jsonl</c>, then, as the sink rolls by size,
/// <c>&lt;name&gt;_001.jsonl</c>, <c>&lt;name&gt;_002.jsonl</c>… Several processes share one folder, so a process only
/// ever claims the files that carry its own name.
/// </summary>
public sealed record LogFileLocation(string Directory, string ProcessName)
{
    /// <summary>This process's files, oldest first (the unnumbered one is the first the sink wrote).</summary>
    public IReadOnlyList<string> Files()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return System.IO.Directory.EnumerateFiles(Directory, ProcessName + "*.jsonl")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(IsOwn)
            .OrderBy(RollNumber)
            .ToList();
    }

    /// <summary>The full path of <paramref name="fileName"/>, only when it is one of this process's files.</summary>
    public string? PathOf(string fileName) =>
        Files().Contains(fileName, StringComparer.Ordinal) ? Path.Combine(Directory, fileName) : null;

    private bool IsOwn(string fileName) => RollNumber(fileName) >= 0;

    /// <summary>0 for <c>name.jsonl</c>, n for <c>name_00n.jsonl</c>, -1 for another process's (<c>silo-11.jsonl</c> for silo-1).</summary>
    private int RollNumber(string fileName)
    {
        var stem = fileName[..^".jsonl".Length];
        if (stem == ProcessName)
        {
            return 0;
        }

        var suffix = stem.StartsWith(ProcessName + "_", StringComparison.Ordinal) ? stem[(ProcessName.Length + 1)..] : "";
        return suffix.Length > 0 && suffix.All(char.IsAsciiDigit) && int.TryParse(suffix, out var n) ? n : -1;
    }
}
