using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sonia.Tests.Telemetry;

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4): every line is a <c># HELP</c>, a <c># TYPE</c>, another
/// comment or a sample; every sample belongs to a family typed before it; no series twice; histogram buckets cumulative
/// up to a <c>+Inf</c> bucket equal to <c>_count</c>. Anything else throws <see cref="FormatException"/> naming the line.
/// </summary>
public sealed partial class PrometheusText
{
    private static readonly HashSet<string> Kinds = ["counter", "gauge", "histogram", "summary", "untyped"];

    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly List<Sample> _samples = [];

    private PrometheusText()
    {
    }

    /// <summary>Metric family → type, as declared.</summary>
    public IReadOnlyDictionary<string, string> Types => _types;

    public IReadOnlyList<Sample> Samples => _samples;

    public static PrometheusText Parse(string text)
    {
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("the exposition does not end with a line feed");
        }

        var parsed = new PrometheusText();
        var series = new HashSet<string>(StringComparer.Ordinal);
        var lines = text[..^1].Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            try
            {
                parsed.Read(lines[i], series);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"line {i + 1} '{lines[i]}': {ex.Message}", ex);
            }
        }

        parsed.CheckHistograms();
        return parsed;
    }

    /// <summary>The sum of the samples named <paramref name="name"/> that carry every label given (0 when none does).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Sum(s => s.Value);

    private void Read(string line, HashSet<string> series)
    {
        if (line.Length == 0)
        {
            return;
        }

        if (line.StartsWith('#'))
        {
            var parts = line.Split(' ', 4);
            if (parts.Length >= 3 && parts[1] == "TYPE")
            {
                Require(parts.Length == 4 && MetricName().IsMatch(parts[2]) && Kinds.Contains(parts[3]), "a malformed TYPE line");
                Require(_types.TryAdd(parts[2], parts[3]), "a second TYPE for the family");
                Require(!_samples.Any(s => Family(s.Name) == parts[2]), "TYPE after the family's samples");
            }
            else if (parts.Length >= 3 && parts[1] == "HELP")
            {
                Require(MetricName().IsMatch(parts[2]), "a malformed HELP line");
            }

            return;
        }

        var match = SampleLine().Match(line);
        Require(match.Success, "not a sample line");
        var name = match.Groups["name"].Value;
        var labels = Labels(match.Groups["labels"].Value);
        Require(Family(name) is not null, "a sample of no typed family");
        var key = name + "{" + string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal)) + "}";
        Require(series.Add(key), "a series given twice");
        _samples.Add(new Sample(name, labels, Number(match.Groups["value"].Value)));
    }

    /// <summary>The family a sample name belongs to: itself, or a histogram's or summary's part.</summary>
    private string? Family(string name)
    {
        if (_types.ContainsKey(name))
        {
            return name;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && _types.TryGetValue(name[..^suffix.Length], out var type)
                && (type == "histogram" || (type == "summary" && suffix != "_bucket")))
            {
                return name[..^suffix.Length];
            }
        }

        return null;
    }

    private static Dictionary<string, string> Labels(string body)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < body.Length)
        {
            var name = LabelName().Match(body, i);
            Require(name.Success && name.Index == i, "a malformed label name");
            i += name.Length;
            Require(i + 1 < body.Length && body[i] == '=' && body[i + 1] == '"', "a label without =\"value\"");
            var value = new StringBuilder();
            for (i += 2; i < body.Length && body[i] != '"'; i++)
            {
                if (body[i] == '\\')
                {
                    Require(++i < body.Length && body[i] is '\\' or '"' or 'n', "an invalid escape in a label value");
                    value.Append(body[i] == 'n' ? '\n' : body[i]);
                }
                else
                {
                    value.Append(body[i]);
                }
            }

            Require(i < body.Length, "an unterminated label value");
            Require(labels.TryAdd(name.Value, value.ToString()), "a label given twice");
            i++;
            Require(i == body.Length || (body[i] == ',' && ++i < body.Length), "labels not separated by one comma");
        }

        return labels;
    }

    private static double Number(string text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private void CheckHistograms()
    {
        foreach (var family in _types.Where(t => t.Value == "histogram").Select(t => t.Key))
        {
            var buckets = _samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => string.Join(',', s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal)));
            foreach (var series in buckets)
            {
                var ordered = series.Select(s => (Le: Number(s.Labels["le"]), s.Value)).OrderBy(b => b.Le).ToList();
                Require(ordered[^1].Le == double.PositiveInfinity, $"{family} has no +Inf bucket");
                Require(ordered.Zip(ordered.Skip(1)).All(p => p.First.Value <= p.Second.Value), $"{family} buckets are not cumulative");
                var count = _samples.Single(s => s.Name == family + "_count"
                    && string.Join(',', s.Labels.OrderBy(l => l.Key, StringComparer.Ordinal)) == series.Key);
                Require(count.Value == ordered[^1].Value, $"{family}_count differs from its +Inf bucket");
            }
        }
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new FormatException(problem);
        }
    }

    /// <summary>One sample line: a metric name, its labels, its value (a timestamp, if any, is checked and dropped).</summary>
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$", RegexOptions.CultureInvariant)]
    private static partial Regex MetricName();

    [GeneratedRegex("[a-zA-Z_][a-zA-Z0-9_]*", RegexOptions.CultureInvariant)]
    private static partial Regex LabelName();

    // A name, optional {labels} (a quoted value may hold '}'), one space, the value, optionally a space and a timestamp.
    [GeneratedRegex("""
        ^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)
        (?:\{(?<labels>(?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?
        [ ](?<value>NaN|[+-]Inf|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
        (?:[ ]-?\d+)?$
        """, RegexOptions.CultureInvariant | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex SampleLine();
}
