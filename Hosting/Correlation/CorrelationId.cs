using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Orleans.Runtime;

namespace Sonia.Hosting.Correlation;

/// <summary>The correlation id that travels with every request through <see cref="RequestContext"/>.</summary>
public static partial class CorrelationId
{
    /// <summary>The <see cref="RequestContext"/> key; also the JSON field name in logs and bodies.</summary>
    public const string Key = "correlation_id";

    public const string HeaderName = "X-Correlation-ID";

    public const int MaxLength = 128;

    /// <summary>A fresh id for a request that came without one: <c>req_</c> and a ULID.</summary>
    public static string NewRequestId() => "req_" + Ulid.NewUlid().ToString();

    /// <summary>A fresh id for work that no request started (start-up, housekeeping).</summary>
    public static string NewSystemId() => "sys_" + Ulid.NewUlid().ToString();

    public static bool IsValid([NotNullWhen(true)] string? value) =>
        value is { Length: > 0 and <= MaxLength } && Allowed().IsMatch(value);

    /// <summary>The id of the current call, or null outside any correlated work.</summary>
    public static string? Current => RequestContext.Get(Key) as string;

    /// <summary>Puts <paramref name="value"/> into the current <see cref="RequestContext"/>.</summary>
    public static void Set(string value) => RequestContext.Set(Key, value);

    [GeneratedRegex("^[A-Za-z0-9._:-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Allowed();
}
