using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Actions.Tools;

/// <summary>An HTTP executor: Sonia POSTs <c>{BaseUrl}/execute</c> with an <c>Idempotency-Key</c> header.</summary>
public sealed class HttpExecutorOptions : IValidatableObject
{
    public const long DefaultMaxResponseBytes = 1024 * 1024;

    [Required]
    public string BaseUrl { get; set; } = string.Empty;

    /// <summary>Sent as a bearer token; never logged or returned.</summary>
    [Sonia.Hosting.Database.Secret]
    public string? ApiKey { get; set; }

    /// <summary>A response body longer than this is not read past the limit, and the attempt fails as <c>rejected</c>.</summary>
    [Range(1024L, 256L * 1024 * 1024)]
    public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>How long a pooled connection to the executor is reused, so a changed DNS answer is picked up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ConnectionLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(BaseUrl)
            && (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"{validationContext.DisplayName}: BaseUrl must be an absolute http(s) URL.", [nameof(BaseUrl)]);
        }
    }
}

/// <summary>Checks an executor's settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class HttpExecutorOptionsValidator : IValidateOptions<HttpExecutorOptions>;
