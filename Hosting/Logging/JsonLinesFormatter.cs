using System.Buffers;
using System.Collections.Concurrent;
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

    // Property names are few and fixed (the message templates'): converted once, not on every line.
    private static readonly ConcurrentDictionary<string, string> SnakeCaseNames = new(StringComparer.Ordinal);

    // Per thread, reused line after line: a log line per request or action allocated a stream, a writer, a string
    // of the line and a string builder each, a measurable part of the gateway's CPU under load.
    [ThreadStatic]
    private static LineBuffers? _buffers;

    public void Format(LogEvent logEvent, TextWriter output)
    {
        var buffers = _buffers ??= new LineBuffers();
        buffers.Bytes.ResetWrittenCount();
        var json = buffers.Json;
        json.Reset(buffers.Bytes);
        {
            json.WriteStartObject();
            Span<char> ts = stackalloc char[24];
            logEvent.Timestamp.UtcDateTime.TryFormat(ts, out var tsLength, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            json.WriteString("ts", ts[..tsLength]);
            json.WriteString("level", LevelName(logEvent.Level));
            json.WriteString(LogKinds.Property, Kind(logEvent));
            json.WriteString("msg", RenderMessage(logEvent, buffers));
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
            json.Flush();
        }

        var bytes = buffers.Bytes.WrittenSpan;
        var chars = buffers.Chars(Encoding.UTF8.GetMaxCharCount(bytes.Length));
        var count = Encoding.UTF8.GetChars(bytes, chars);
        output.Write(chars, 0, count);
        output.Write('\n');
        buffers.Trim();
    }

    /// <summary>The message with string values unquoted: <c>Session ses_1 opened</c>, not <c>Session "ses_1" opened</c>.</summary>
    private static string RenderMessage(LogEvent logEvent, LineBuffers buffers)
    {
        var text = buffers.Message;
        text.Clear();
        var writer = buffers.MessageWriter;
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
    public static string SnakeCase(string name) =>
        SnakeCaseNames.Count < 4096
            ? SnakeCaseNames.GetOrAdd(name, JsonNamingPolicy.SnakeCaseLower.ConvertName)
            : JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

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

    /// <summary>One thread's reusable buffers; a buffer grown past 64 KiB by a huge line is let go after it.</summary>
    private sealed class LineBuffers
    {
        private const int Keep = 64 * 1024;

        private char[] _chars = new char[1024];

        public LineBuffers()
        {
            MessageWriter = new StringWriter(Message, CultureInfo.InvariantCulture);
            Json = new Utf8JsonWriter(Bytes, WriterOptions);
        }

        public ArrayBufferWriter<byte> Bytes { get; private set; } = new(1024);

        public Utf8JsonWriter Json { get; }

        public StringBuilder Message { get; } = new(256);

        public StringWriter MessageWriter { get; }

        public char[] Chars(int atLeast) => _chars.Length >= atLeast ? _chars : _chars = new char[atLeast];

        public void Trim()
        {
            if (Bytes.Capacity > Keep)
            {
                Bytes = new ArrayBufferWriter<byte>(1024);
            }

            if (_chars.Length > Keep)
            {
                _chars = new char[1024];
            }

            if (Message.Capacity > Keep)
            {
                Message.Clear();
                Message.Capacity = 256;
            }
        }
    }
}
