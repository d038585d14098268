using System.Text.Json;
using Json.Schema;

namespace Sonia.Grains.Actions.Tools;

/// <summary>A registered tool with its parsed argument schema.</summary>
public sealed record ToolDefinition(string Name, ToolOptions Options, JsonSchema Schema, string BreakerName)
{
    /// <summary>What is wrong with <paramref name="args"/>, one line per problem; empty when valid.</summary>
    public IReadOnlyList<string> Problems(JsonElement args)
    {
        var results = Schema.Evaluate(args, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var problems = (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{Location(d.InstanceLocation.ToString())}: {e.Value}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return problems.Count > 0 ? problems : ["args do not match the tool's schema"];
    }

    private static string Location(string pointer) => pointer is "" or "#" ? "args" : $"args{pointer.Replace('/', '.')}";
}
