using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Sonia.Gateway.Actions;
using Sonia.Gateway.Breakers;
using Sonia.Gateway.DeadLetters;

namespace Sonia.Gateway.OpenApi;

/// <summary>
/// Request bodies as the handlers treat them: only what a handler refuses without is required (every other member
/// may be left out), with the bounds the handlers enforce. Nullable record members alone would all read as required.
/// </summary>
public static class RequestSchemas
{
    private static readonly Dictionary<Type, string[]> Required = new()
    {
        [typeof(SubmitActionRequest)] = ["tool", "args"],
        [typeof(ApproveActionRequest)] = ["args_hash"],
        [typeof(DenyActionRequest)] = [],
        [typeof(DiscardRequest)] = [],
        [typeof(ReplayRequest)] = [],
        [typeof(ReplayBatchRequest)] = [],
        [typeof(BreakersApi.ManualActionRequest)] = [],
        [typeof(Releases.GateRunRequest)] = ["promotable", "commit", "started_at", "finished_at", "gates"],
        [typeof(Releases.GateRequest)] = ["id", "name", "blocking", "status"],
        [typeof(Sessions.RunTurnRequest)] = ["text"],
    };

    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (Required.TryGetValue(type, out var required))
        {
            schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
            if (schema.Properties is { } properties)
            {
                Bound(properties, "reason", s => s.MaxLength = ActionsApi.MaxReasonLength);
                Bound(properties, "idempotency_key", s => (s.MaxLength, s.Pattern) = (128, "^[A-Za-z0-9._:-]{1,128}$"));
                Bound(properties, "args_hash", s => (s.MinLength, s.MaxLength, s.Pattern) = (64, 64, "^[0-9a-fA-F]{64}$"));
                Bound(properties, "ids", s => s.MaxItems = 1000);
                Bound(properties, "text", s => (s.MinLength, s.MaxLength) = (1, Grains.Interfaces.Sessions.TurnLimits.MaxTextLength));
                Bound(properties, "correlation_id", s => (s.MaxLength, s.Pattern) = (128, "^[A-Za-z0-9._:-]{1,128}$"));
                Bound(properties, "max_per_second", s =>
                {
                    s.ExclusiveMinimum = "0";
                    s.Maximum = DeadLettersApi.MaxPerSecond.ToString(CultureInfo.InvariantCulture);
                });
            }
        }

        return Task.CompletedTask;
    }

    private static void Bound(IDictionary<string, IOpenApiSchema> properties, string name, Action<OpenApiSchema> apply)
    {
        if (properties.TryGetValue(name, out var property) && property is OpenApiSchema concrete)
        {
            apply(concrete);
        }
    }
}
