using System.Text.RegularExpressions;

namespace Sonia.Grains.Interfaces.Actions;

/// <summary>Action ids are <c>act_</c> and a ULID; dead letters <c>dlq_</c> and a ULID.</summary>
public static partial class ActionIds
{
    public static string New() => "act_" + Ulid.NewUlid();

    public static string NewDeadLetter() => "dlq_" + Ulid.NewUlid();

    public static bool IsValid(string? id) => id is not null && Shape().IsMatch(id);

    [GeneratedRegex("^act_[0-9A-HJKMNP-TV-Z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
