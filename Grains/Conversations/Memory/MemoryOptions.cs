using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Conversations.Memory;

/// <summary><c>Sonia:Memory</c>: which store a turn searches, how widely, how many hits, how long it may take.</summary>
public sealed class MemoryOptions : IValidatableObject
{
    public const string SectionName = "Sonia:Memory";
    public const string BuiltIn = "builtin";
    public const string Http = "http";
    public const string SessionScope = "session";
    public const string UserScope = "user";

    /// <summary><c>builtin</c> (full-text search on <c>sonia.memories</c>) or <c>http</c> (an external memory service).</summary>
    [RegularExpression("^(builtin|http)$")]
    public string Store { get; set; } = BuiltIn;

    /// <summary>
    /// <c>session</c>: only the memories saved in the turn's session; <c>user</c>: those of every session in which the
    /// session's owner (or the assistant for it) submitted actions.
    /// </summary>
    [RegularExpression("^(session|user)$")]
    public string Scope { get; set; } = SessionScope;

    [Range(1, 50)]
    public int MaxResults { get; set; } = 5;

    /// <summary>
    /// A search slower than this is abandoned (and counts against the <c>memory</c> breaker); the turn goes on without memories.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The external service, when <see cref="Store"/> is <c>http</c>: <c>POST {BaseUrl}/search</c>.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Sent as a bearer token; never logged or returned.</summary>
    [Sonia.Hosting.Database.Secret]
    public string? ApiKey { get; set; }

    /// <summary>An answer longer than this is not read past the limit: the search fails.</summary>
    [Range(1024L, 64L * 1024 * 1024)]
    public long MaxResponseBytes { get; set; } = 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Store == Http && !HttpUrls.IsValid(BaseUrl))
        {
            yield return new ValidationResult(
                $"{validationContext.DisplayName}: BaseUrl must be an absolute http(s) URL when Store is http.", [nameof(BaseUrl)]);
        }
    }
}

[OptionsValidator]
public sealed partial class MemoryOptionsValidator : IValidateOptions<MemoryOptions>;
