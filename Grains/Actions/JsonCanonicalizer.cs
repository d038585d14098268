using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sonia.Grains.Actions;

/// <summary>
/// The JSON Canonicalization Scheme (RFC 8785): object members sorted by the UTF-16 code units of their names,
/// numbers written as ECMAScript writes an IEEE 754 double, strings with only the escapes JSON requires, no white
/// space. Two texts that mean the same JSON value (<c>1</c> and <c>1.0</c>, <c>"\u0041"</c> and <c>"A"</c>)
/// canonicalise to the same bytes. No maintained RFC 8785 package is served to this project, hence this file.
/// </summary>
public static class JsonCanonicalizer
{
    /// <summary>The canonical UTF-8 text of <paramref name="json"/>; throws <see cref="JsonException"/> when it is not I-JSON.</summary>
    public static string Canonicalize(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Canonicalize(document.RootElement);
    }

    public static string Canonicalize(JsonElement element)
    {
        var output = new StringBuilder();
        try
        {
            Write(element, output);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json reports an escaped lone surrogate ("\ud800") only when the string is read.
            throw new JsonException($"not I-JSON: {ex.Message}", ex);
        }

        return output.ToString();
    }

    private static void Write(JsonElement element, StringBuilder output)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(element, output);
                break;
            case JsonValueKind.Array:
                output.Append('[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    output.Append(first ? "" : ",");
                    first = false;
                    Write(item, output);
                }

                output.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(element.GetString()!, output);
                break;
            case JsonValueKind.Number when element.TryGetDouble(out var number) && double.IsFinite(number):
                output.Append(Number(number));
                break;
            case JsonValueKind.True:
                output.Append("true");
                break;
            case JsonValueKind.False:
                output.Append("false");
                break;
            case JsonValueKind.Null:
                output.Append("null");
                break;
            default:
                throw new JsonException($"cannot canonicalise {element.GetRawText()}: not an I-JSON value");
        }
    }

    private static void WriteObject(JsonElement element, StringBuilder output)
    {
        var members = element.EnumerateObject().ToList();

        // string.CompareOrdinal compares UTF-16 code units, exactly the order RFC 8785 §3.2.3 asks for.
        members.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        output.Append('{');
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0 && members[i].Name == members[i - 1].Name)
            {
                // I-JSON (RFC 7493) forbids duplicate names; which one "wins" would be a guess.
                throw new JsonException($"duplicate member name '{members[i].Name}'");
            }

            output.Append(i == 0 ? "" : ",");
            WriteString(members[i].Name, output);
            output.Append(':');
            Write(members[i].Value, output);
        }

        output.Append('}');
    }

    /// <summary>RFC 8785 §3.2.2.2: escape '"', '\\' and the C0 controls (short forms where JSON has them), nothing else.</summary>
    private static void WriteString(string value, StringBuilder output)
    {
        output.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var loneHigh = char.IsHighSurrogate(c) && (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]));
            var loneLow = char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(value[i - 1]));
            if (loneHigh || loneLow)
            {
                throw new JsonException("a string holds a lone surrogate, which I-JSON forbids");
            }

            switch (c)
            {
                case '"': output.Append("\\\""); break;
                case '\\': output.Append("\\\\"); break;
                case '\b': output.Append("\\b"); break;
                case '\f': output.Append("\\f"); break;
                case '\n': output.Append("\\n"); break;
                case '\r': output.Append("\\r"); break;
                case '\t': output.Append("\\t"); break;
                case < ' ': output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: output.Append(c); break;
            }
        }

        output.Append('"');
    }

    /// <summary>
    /// ECMAScript's Number.prototype.toString (ECMA-262 §7.1.12.1) for a finite double: the shortest digits that
    /// round-trip (which .NET's "R" also finds), laid out in ECMAScript's rules for plain and exponent notation.
    /// </summary>
    public static string Number(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new JsonException("NaN and infinities are not JSON numbers");
        }

        if (value == 0)
        {
            return "0"; // -0 too
        }

        var (digits, exponent) = ShortestDigits(Math.Abs(value));
        var sign = value < 0 ? "-" : "";
        var k = digits.Length;
        var n = exponent; // value = 0.d1d2…dk × 10^n

        if (k <= n && n <= 21)
        {
            return sign + digits + new string('0', n - k);
        }

        if (0 < n && n <= 21)
        {
            return sign + digits[..n] + "." + digits[n..];
        }

        if (-6 < n && n <= 0)
        {
            return sign + "0." + new string('0', -n) + digits;
        }

        var e = n - 1;
        var mantissa = k == 1 ? digits : digits[..1] + "." + digits[1..];
        return sign + mantissa + "e" + (e < 0 ? "-" : "+") + Math.Abs(e).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The shortest round-trip decimal digits of a positive double, without leading or trailing zeros, and n.</summary>
    private static (string Digits, int Exponent) ShortestDigits(double value)
    {
        // "E16" would give 17 digits, not the shortest: "R" gives the shortest, in plain or exponent form.
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var point = text.IndexOf('.', StringComparison.Ordinal);
        var integerPart = point >= 0 ? text[..point] : text;
        var fraction = point >= 0 ? text[(point + 1)..] : "";
        var all = integerPart + fraction;
        var decimalExponent = exponent + integerPart.Length;

        var leading = all.Length - all.TrimStart('0').Length;
        all = all.TrimStart('0');
        decimalExponent -= leading;
        return (all.TrimEnd('0'), decimalExponent);
    }
}
