namespace Sonia.Grains.Interfaces.Backups;

/// <summary>Backups are <c>bak_</c> and a ULID.</summary>
public static class BackupIds
{
    public const string Prefix = "bak_";

    public static string New() => PrefixedIds.New(Prefix);

    public static bool IsValid(string? id) => PrefixedIds.IsValid(id, Prefix);
}

/// <summary>A backup's status; stored as text, so never rename one.</summary>
public static class BackupStatuses
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}
