using System.Globalization;

namespace Sonia.Gateway.Requests;

/// <summary>
/// Reads query values the same way on every endpoint: an absent or empty value means "no filter", a value
/// given twice or of the wrong shape is an error that names the parameter and what it expects.
/// </summary>
public sealed class QueryReader(HttpContext context)
{
    private const int EchoLength = 40;

    /// <summary>Every problem found so far, one sentence each.</summary>
    public List<string> Errors { get; } = [];

    public string? Text(QueryParameter parameter) => Raw(parameter);

    public string? Choice(QueryParameter parameter)
    {
        var raw = Raw(parameter);
        if (raw is null || parameter.Choices!.Contains(raw, StringComparer.Ordinal))
        {
            return raw;
        }

        Reject(parameter, raw, $"one of {string.Join(", ", parameter.Choices!)}");
        return null;
    }

    public int? Integer(QueryParameter parameter)
    {
        var raw = Raw(parameter);
        if (raw is null)
        {
            return null;
        }

        if (int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            && value >= parameter.Min && value <= parameter.Max)
        {
            return value;
        }

        Reject(parameter, raw, $"an integer from {parameter.Min} to {parameter.Max}");
        return null;
    }

    public DateTimeOffset? Time(QueryParameter parameter)
    {
        var raw = Raw(parameter);
        if (raw is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }

        Reject(parameter, raw, "an ISO 8601 date-time such as 2026-11-29T11:00:00Z");
        return null;
    }

    public bool? Flag(QueryParameter parameter)
    {
        var raw = Raw(parameter);
        if (raw is null)
        {
            return null;
        }

        // Only the words: "0", "1" or "yes" would be a guess at what the caller meant, and a wrong guess replays for real.
        switch (raw.ToLowerInvariant())
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                Reject(parameter, raw, "true or false");
                return null;
        }
    }

    private string? Raw(QueryParameter parameter)
    {
        // A repeated parameter never gets here: the request limits refuse it before any handler runs.
        var values = context.Request.Query[parameter.Name];
        return string.IsNullOrWhiteSpace(values.ToString()) ? null : values.ToString().Trim();
    }

    private void Reject(QueryParameter parameter, string raw, string expected) =>
        Errors.Add($"{parameter.Name} must be {expected}; got '{Echo(raw)}'");

    private static string Echo(string raw) => raw.Length <= EchoLength ? raw : raw[..EchoLength] + "…";
}
