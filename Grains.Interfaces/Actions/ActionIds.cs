namespace Sonia.Grains.Interfaces.Actions;

/// <summary>Action ids are <c>act_</c> and a ULID.</summary>
public static class ActionIds
{
    public const string Prefix = "act_";

    public static string New() => PrefixedIds.New(Prefix);

    public static bool IsValid(string? id) => PrefixedIds.IsValid(id, Prefix);
}
