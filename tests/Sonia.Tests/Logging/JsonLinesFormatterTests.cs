using System.Text.Json;
using Serilog.Events;
using Serilog.Parsing;
using Sonia.Hosting.Logging;

namespace Sonia.Tests.Logging;

public sealed class JsonLinesFormatterTests
{
    [Fact]
    public void ClientText_CannotBreakTheLineOrForgeFields()
    {
        var forged = "hi\"}\n{\"level\":\"fatal\",\"correlation_id\":\"forged\"";
        var line = Format(LogEventLevel.Information, "Turn text {Text}", ("Text", forged), ("correlation_id", "req_1"), ("silo", "silo-1"));

        Assert.Single(line.TrimEnd('\n').Split('\n'));
        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("req_1", json.GetProperty("correlation_id").GetString());
        Assert.Equal("info", json.GetProperty("level").GetString());
        Assert.Equal(forged, json.GetProperty("text").GetString());
    }

    [Fact]
    public void Line_CarriesTheCommonFieldsAndSnakeCaseIds()
    {
        var line = Format(LogEventLevel.Information, "Action {ActionId} ran", ("ActionId", "act_1"), ("log", LogKinds.Tool), ("correlation_id", "req_2"), ("silo", "silo-9"));

        var json = JsonDocument.Parse(line).RootElement;
        foreach (var field in new[] { "ts", "level", "log", "msg", "correlation_id", "trace_id", "silo" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"missing {field}");
        }

        Assert.Equal("act_1", json.GetProperty("action_id").GetString());
        Assert.Equal(LogKinds.Tool, json.GetProperty("log").GetString());
        Assert.Equal("silo-9", json.GetProperty("silo").GetString());
    }

    [Fact]
    public void Message_RendersStringValuesWithoutQuotes()
    {
        var line = Format(LogEventLevel.Information, "Session {SessionId} opened", ("SessionId", "ses_1"));

        Assert.Equal("Session ses_1 opened", JsonDocument.Parse(line).RootElement.GetProperty("msg").GetString());
    }

    [Fact]
    public void Errors_GoToErrorLog_WhenNoStreamIsNamed()
    {
        var line = Format(LogEventLevel.Error, "Boom");

        Assert.Equal(LogKinds.Error, JsonDocument.Parse(line).RootElement.GetProperty("log").GetString());
    }

    private static string Format(LogEventLevel level, string template, params (string Name, object Value)[] properties)
    {
        var parsed = new MessageTemplateParser().Parse(template);
        var logEvent = new LogEvent(
            DateTimeOffset.UtcNow,
            level,
            null,
            parsed,
            properties.Select(p => new LogEventProperty(p.Name, new ScalarValue(p.Value))));
        using var writer = new StringWriter();
        new JsonLinesFormatter().Format(logEvent, writer);
        return writer.ToString();
    }
}
