using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sonia.Gateway.Health;

namespace Sonia.Tests.Cluster;

/// <summary>A failed health check tells the caller a short reason; the exception's text stays in the log.</summary>
public sealed class HealthDetailTests
{
    [Fact]
    public void RawExceptionText_IsNotInTheHealthResponse_ButIsLoggedWithTheCorrelationId()
    {
        var planted = $"planted-secret-{Guid.NewGuid():N} at db.internal:5432 user=admin";
        var correlationId = $"corr-{Guid.NewGuid():N}";
        var logger = new CollectingLogger();

        var report = HealthApi.Unreachable(new OrleansException(planted), new FakeTimeProvider(), logger, correlationId);

        var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        Assert.DoesNotContain(planted, json, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(OrleansException), json, StringComparison.Ordinal);
        Assert.Contains("cluster unreachable", report.ClusterError, StringComparison.Ordinal);
        Assert.Contains(correlationId, report.ClusterError, StringComparison.Ordinal);
        var logged = Assert.Single(logger.Entries);
        Assert.Contains(correlationId, logged.Message, StringComparison.Ordinal);
        Assert.Equal(planted, logged.Exception?.Message);
    }

    private sealed class CollectingLogger : ILogger
    {
        public List<(string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((formatter(state, exception), exception));
    }
}
