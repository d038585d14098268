using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace Sonia.Hosting.Logging;

/// <summary>
/// Writes one JSON object per line: <c>ts</c>, <c>level</c>, <c>log</c>, <c>msg</c>, <c>correlation_id</c>,
/// <c>trace_id</c>, <c>span_id</c>, <c>silo</c>, then every other property in snake_case.
/// Values go through <see cref="Utf8JsonWriter"/>, so client text can never break a line or forge a field.
/// </summary>
public sealed class JsonLinesFormatter : ITextFormatter
{
    private static readonly HashSet<string> Reserved =
        ["ts", "level", LogKinds.Property, "msg", "correlation_id", "trace_id", "span_id", "silo", "error"];

    // Relaxed escaping keeps quotes and apostrophes readable; control characters, '"' and '\\' are still escaped.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Format(LogEvent logEvent, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("ts", logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteString("level", LevelName(logEvent.Level));
            json.WriteString(LogKinds.Property, Kind(logEvent));
            json.WriteString("msg", RenderMessage(logEvent));
            WriteScalar(json, "correlation_id", Property(logEvent, "correlation_id"));
            json.WriteString("trace_id", logEvent.TraceId?.ToHexString());
            json.WriteString("span_id", logEvent.SpanId?.ToHexString());
            WriteScalar(json, "silo", Property(logEvent, "silo"));
            foreach (var (name, value) in logEvent.Properties)
            {
                var field = SnakeCase(name);
                if (!Reserved.Contains(field))
                {
                    WriteValue(json, field, value);
                }
            }

            if (logEvent.Exception is { } exception)
            {
                json.WriteStartObject("error");
                json.WriteString("type", exception.GetType().FullName);
                json.WriteString("message", exception.Message);
                json.WriteString("stack", exception.ToString());
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.Write('\n');
    }

    /// <summary>The message with string values unquoted: <c>Session ses_1 opened</c>, not <c>Session "ses_1" opened</c>.</summary>
    private static string RenderMessage(LogEvent logEvent)
    {
        var text = new StringBuilder();
        using var writer = new StringWriter(text, CultureInfo.InvariantCulture);
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is PropertyToken property
                && logEvent.Properties.TryGetValue(property.PropertyName, out var value)
                && value is ScalarValue { Value: string raw })
            {
                writer.Write(raw);
            }
            else
            {
                token.Render(logEvent.Properties, writer, CultureInfo.InvariantCulture);
            }
        }

        return text.ToString();
    }

    /// <summary><c>ActionId</c> → <c>action_id</c>; names already in snake_case stay as they are.</summary>
    public static string SnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    private static string Kind(LogEvent logEvent) =>
        Property(logEvent, LogKinds.Property) is ScalarValue { Value: string kind }
            ? kind
            : logEvent.Level >= LogEventLevel.Error ? LogKinds.Error : LogKinds.App;

    private static LogEventPropertyValue? Property(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) ? value : null;

    private static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "trace",
        LogEventLevel.Debug => "debug",
        LogEventLevel.Information => "info",
        LogEventLevel.Warning => "warn",
        LogEventLevel.Error => "error",
        _ => "fatal",
    };

    private static void WriteScalar(Utf8JsonWriter json, string name, LogEventPropertyValue? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
            return;
        }

        WriteValue(json, name, value);
    }

    private static void WriteValue(Utf8JsonWriter json, string name, LogEventPropertyValue value)
    {
        json.WritePropertyName(name);
        WriteValue(json, value);
    }

    private static void WriteValue(Utf8JsonWriter json, LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: null }:
                json.WriteNullValue();
                break;
            case ScalarValue { Value: bool b }:
                json.WriteBooleanValue(b);
                break;
            case ScalarValue { Value: int or long or short or byte or uint or ulong or ushort or sbyte } s:
                json.WriteRawValue(Convert.ToString(s.Value, CultureInfo.InvariantCulture)!);
                break;
            case ScalarValue { Value: double or float or decimal } s:
                json.WriteNumberValue(Convert.ToDecimal(s.Value, CultureInfo.InvariantCulture));
                break;
            case ScalarValue { Value: DateTimeOffset dto }:
                json.WriteStringValue(dto.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                break;
            case ScalarValue { Value: DateTime dt }:
                json.WriteStringValue(dt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
                break;
            case ScalarValue s:
                json.WriteStringValue(Convert.ToString(s.Value, CultureInfo.InvariantCulture));
                break;
            case SequenceValue seq:
                json.WriteStartArray();
                foreach (var element in seq.Elements)
                {
                    WriteValue(json, element);
                }

                json.WriteEndArray();
                break;
            case StructureValue structure:
                json.WriteStartObject();
                foreach (var property in structure.Properties)
                {
                    WriteValue(json, SnakeCase(property.Name), property.Value);
                }

                json.WriteEndObject();
                break;
            case DictionaryValue dictionary:
                json.WriteStartObject();
                foreach (var (key, element) in dictionary.Elements)
                {
                    WriteValue(json, Convert.ToString(key.Value, CultureInfo.InvariantCulture) ?? "null", element);
                }

                json.WriteEndObject();
                break;
            default:
                json.WriteStringValue(value.ToString());
                break;
        }
    }
}
