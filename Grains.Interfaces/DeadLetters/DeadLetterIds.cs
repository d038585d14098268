namespace Sonia.Grains.Interfaces.DeadLetters;

/// <summary>Dead letters are <c>dlq_</c> and a ULID; batch replay jobs <c>rpj_</c> and a ULID.</summary>
public static class DeadLetterIds
{
    public const string Prefix = "dlq_";
    public const string JobPrefix = "rpj_";

    public static string New() => PrefixedIds.New(Prefix);

    public static string NewJob() => PrefixedIds.New(JobPrefix);

    public static bool IsValid(string? id) => PrefixedIds.IsValid(id, Prefix);

    public static bool IsValidJob(string? id) => PrefixedIds.IsValid(id, JobPrefix);
}
