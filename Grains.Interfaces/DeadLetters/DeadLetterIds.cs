using System.Text.RegularExpressions;

namespace Sonia.Grains.Interfaces.DeadLetters;

/// <summary>Dead letters are <c>dlq_</c> and a ULID; batch replay jobs <c>rpj_</c> and a ULID.</summary>
public static partial class DeadLetterIds
{
    public static bool IsValid(string? id) => id is not null && Dlq().IsMatch(id);

    public static bool IsValidJob(string? id) => id is not null && Job().IsMatch(id);

    [GeneratedRegex("^dlq_[0-9A-HJKMNP-TV-Z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex Dlq();

    [GeneratedRegex("^rpj_[0-9A-HJKMNP-TV-Z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex Job();
}
