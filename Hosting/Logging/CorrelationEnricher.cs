using Serilog.Core;
using Serilog.Events;
using Sonia.Hosting.Correlation;

namespace Sonia.Hosting.Logging;

/// <summary>Stamps every event with the process name and the correlation id of the work that logged it.</summary>
public sealed class CorrelationEnricher(string processName) : ILogEventEnricher
{
    private readonly LogEventProperty _silo = new("silo", new ScalarValue(processName));

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        logEvent.AddPropertyIfAbsent(_silo);
        if (CorrelationId.Current is { } correlationId)
        {
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(CorrelationId.Key, correlationId));
        }
    }
}
