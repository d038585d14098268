using System.Diagnostics;
using Sonia.Grains.Actions.Ledger;
using Sonia.Hosting.Telemetry;

namespace Sonia.Grains.Telemetry;

/// <summary>Sonia's own spans, for work that no incoming call carries a trace into.</summary>
public static class SoniaActivities
{
    private static readonly ActivitySource Source = new(SoniaTelemetry.SourceName);

    /// <summary>
    /// The span of one run of an action's timer (an attempt, an expiry). A grain timer starts no trace of its own, so the
    /// span is parented on <paramref name="parent"/> (the <c>traceparent</c> of the call that scheduled the work), and
    /// the executor's HTTP call below it carries the submitting request's trace id. Null when nobody listens.
    /// </summary>
    public static Activity? StartActionRun(ActionRecord action, string? parent)
    {
        ActivityContext.TryParse(parent, null, out var context);
        var activity = Source.StartActivity("sonia.action.run", ActivityKind.Internal, context);
        activity?.SetTag(SoniaTelemetry.CorrelationAttribute, action.CorrelationId)
            .SetTag("sonia.action_id", action.ActionId)
            .SetTag("sonia.tool", action.Tool)
            .SetTag("sonia.action_status", action.Status);
        return activity;
    }
}
