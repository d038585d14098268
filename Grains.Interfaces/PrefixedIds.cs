using System.Text.RegularExpressions;

namespace Sonia.Grains.Interfaces;

/// <summary>Ids of the form <c>prefix_</c> and a ULID (Crockford base32, 26 characters), made and checked one way.</summary>
public static partial class PrefixedIds
{
    public static string New(string prefix) => prefix + Ulid.NewUlid();

    public static bool IsValid(string? id, string prefix) =>
        id is not null && id.StartsWith(prefix, StringComparison.Ordinal) && UlidText().IsMatch(id.AsSpan(prefix.Length));

    [GeneratedRegex("^[0-9A-HJKMNP-TV-Z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex UlidText();
}
