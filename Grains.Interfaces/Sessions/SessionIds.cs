namespace Sonia.Grains.Interfaces.Sessions;

/// <summary>Session ids are <c>ses_</c> and a ULID; anything else is refused before it reaches a grain.</summary>
public static class SessionIds
{
    public const string Prefix = "ses_";

    public static string New() => PrefixedIds.New(Prefix);

    public static bool IsValid(string? id) => PrefixedIds.IsValid(id, Prefix);
}
