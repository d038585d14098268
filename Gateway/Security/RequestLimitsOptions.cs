using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Gateway.Security;

/// <summary><c>Sonia:Limits</c>: how big and how deep a request may be before it is refused unread by any grain.</summary>
public sealed class RequestLimitsOptions
{
    public const string SectionName = "Sonia:Limits";

    /// <summary>A larger body is answered 413.</summary>
    [Range(1024, 256L * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Objects and arrays nested deeper than this are answered 400.</summary>
    [Range(2, 256)]
    public int MaxJsonDepth { get; set; } = 32;

    /// <summary>The longest string (value or property name) any JSON body may carry; fields have tighter limits of their own.</summary>
    [Range(64, 16 * 1024 * 1024)]
    public int MaxStringLength { get; set; } = 64 * 1024;

    /// <summary>The longest query string value; every value is also bounded by its endpoint's own rule.</summary>
    [Range(16, 64 * 1024)]
    public int MaxQueryValueLength { get; set; } = 256;

    [Range(1, 1000)]
    public int MaxQueryParameters { get; set; } = 32;
}

/// <summary>Checks the limits' ranges (source-generated).</summary>
[OptionsValidator]
public sealed partial class RequestLimitsOptionsValidator : IValidateOptions<RequestLimitsOptions>;
