using System.Diagnostics;
using Sonia.Hosting.Correlation;
using Sonia.Hosting.Telemetry;

namespace Sonia.Grains.Correlation;

/// <summary>
/// Keeps the correlation id on every hop into a Sonia grain: a call that arrives without one (a reminder,
/// a timer, a call from outside the gateway) gets a system id so its logs and records can still be joined,
/// and the id becomes a span attribute so a trace and a log line meet. Orleans' own system calls pass untouched.
/// </summary>
public sealed class CorrelationIncomingFilter : IIncomingGrainCallFilter
{
    public const string SpanAttribute = SoniaTelemetry.CorrelationAttribute;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (!SoniaCalls.IsSonia(context.InterfaceMethod?.DeclaringType))
        {
            await context.Invoke();
            return;
        }

        var correlationId = CorrelationId.Current;
        if (!CorrelationId.IsValid(correlationId))
        {
            correlationId = CorrelationId.NewSystemId();
        }

        CorrelationOutgoingFilter.Restore(correlationId);

        Activity.Current?.SetTag(SpanAttribute, correlationId);
        await context.Invoke();
    }
}

/// <summary>
/// Puts the correlation id of the calling work back into <see cref="Orleans.Runtime.RequestContext"/> when
/// grain code cleared it, so the next hop sees the same id.
/// </summary>
public sealed class CorrelationOutgoingFilter : IOutgoingGrainCallFilter
{
    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>Marks <paramref name="correlationId"/> as the id of the work running on this async flow.</summary>
    public static void Restore(string correlationId)
    {
        Ambient.Value = correlationId;
        CorrelationId.Set(correlationId);
    }

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (SoniaCalls.IsSonia(context.InterfaceMethod?.DeclaringType) && CorrelationId.Current is null && Ambient.Value is { } ambient)
        {
            CorrelationId.Set(ambient);
        }

        return context.Invoke();
    }
}

internal static class SoniaCalls
{
    public static bool IsSonia(Type? grainInterface) =>
        grainInterface?.Namespace?.StartsWith("Sonia.", StringComparison.Ordinal) == true;
}
