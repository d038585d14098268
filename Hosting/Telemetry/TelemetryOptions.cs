using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Hosting.Telemetry;

/// <summary>Where a silo serves its metrics, and how old the cached dead-letter counts behind a gauge may get.</summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string SectionName = "Sonia:Telemetry";

    /// <summary>
    /// The URL a silo serves its metrics on for Prometheus to scrape, e.g. <c>http://127.0.0.1:9464/metrics</c>; off when
    /// empty. The listener has no authentication: keep it on loopback or a private interface.
    /// </summary>
    public string? PrometheusUrl { get; set; }

    /// <summary><see cref="PrometheusUrl"/> parsed, or null when it is empty or no absolute URL.</summary>
    public Uri? PrometheusUri => Uri.TryCreate(PrometheusUrl, UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>The dead-letter depth gauge answers from counts at most this old; a later read refreshes them off its thread.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan DeadLetterCountMaxAge { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(PrometheusUrl))
        {
            yield break;
        }

        // The listener binds a host, a port and one path: nothing else of a URL would mean anything.
        if (PrometheusUri is not { } uri || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath.Length < 2
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(PrometheusUrl)} must be an http:// URL with a path, such as http://127.0.0.1:9464/metrics "
                + $"(got '{PrometheusUrl}')", [nameof(PrometheusUrl)]);
        }
    }
}

/// <summary>Checks the telemetry settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>;
