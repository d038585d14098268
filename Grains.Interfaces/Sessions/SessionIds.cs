using System.Text.RegularExpressions;

namespace Sonia.Grains.Interfaces.Sessions;

/// <summary>Session ids are <c>ses_</c> and a ULID; anything else is refused before it reaches a grain.</summary>
public static partial class SessionIds
{
    public const string Prefix = "ses_";

    public static string New() => Prefix + Ulid.NewUlid().ToString();

    public static bool IsValid(string? id) => id is not null && Shape().IsMatch(id);

    [GeneratedRegex("^ses_[0-9A-HJKMNP-TV-Z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
