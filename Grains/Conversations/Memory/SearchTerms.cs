using System.Text.RegularExpressions;

namespace Sonia.Grains.Conversations.Memory;

/// <summary>
/// The words of a turn worth searching for: letters and digits only (so nothing in them is query syntax to either
/// dialect), lower-cased, without the commonest English words, at most <see cref="MaxTerms"/> of them.
/// </summary>
public static partial class SearchTerms
{
    public const int MaxTerms = 32;

    private static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "do", "for", "from", "how", "i", "in", "is", "it", "me", "my", "of",
        "on", "or", "that", "the", "this", "to", "was", "what", "when", "where", "who", "why", "with", "you", "your",
    };

    public static IReadOnlyList<string> Of(string text) =>
        Word().Matches(text.ToLowerInvariant())
            .Select(m => m.Value)
            .Where(w => !Common.Contains(w))
            .Distinct(StringComparer.Ordinal)
            .Take(MaxTerms)
            .ToList();

    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
