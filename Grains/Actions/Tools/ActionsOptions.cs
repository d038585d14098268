using System.ComponentModel.DataAnnotations;
using Json.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Sonia.Hosting.Cluster;

namespace Sonia.Grains.Actions.Tools;

/// <summary>
/// The action pipeline's settings and its tool registry: the built-in tools, each overridable under
/// <c>Sonia:Actions:Tools:&lt;name&gt;</c>, plus any tool configured there, and the HTTP executors.
/// </summary>
public sealed class ActionsOptions
{
    public const string SectionName = "Sonia:Actions";

    /// <summary>Pending confirmations expire after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "30.00:00:00")]
    public TimeSpan ConfirmationTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the recovery sweep looks for unfinished actions nobody is working on.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long past its next expected write an action's owner is trusted to still be alive.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Replayed and discarded dead letters are deleted this long after they were resolved; unresolved ones never are.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "3650.00:00:00")]
    public TimeSpan DeadLetterRetention { get; set; } = TimeSpan.FromDays(30);

    public IReadOnlyDictionary<string, ToolDefinition> Tools { get; init; } = new Dictionary<string, ToolDefinition>();

    public IReadOnlyDictionary<string, HttpExecutorOptions> Executors { get; init; } = new Dictionary<string, HttpExecutorOptions>();

    public DrillOptions Drills { get; init; } = new();

    /// <summary>
    /// The breaker each executor runs behind: <c>executor</c> for built-in tools, <c>executor.&lt;name&gt;</c> for HTTP
    /// ones, and <see cref="BuiltInTools.DrillBreaker"/> for drill tools.
    /// </summary>
    public IEnumerable<string> BreakerNames() =>
        Executors.Keys.Select(BreakerFor).Append(BreakerFor(ToolOptions.BuiltInExecutorName))
            .Concat(Tools.Values.Select(t => t.BreakerName)).Distinct(StringComparer.Ordinal);

    public static string BreakerFor(string executor) =>
        executor == ToolOptions.BuiltInExecutorName ? "executor" : $"executor.{executor}";

    public static ActionsOptions Bind(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var executors = new Dictionary<string, HttpExecutorOptions>(StringComparer.Ordinal);
        foreach (var child in section.GetSection("Executors").GetChildren())
        {
            var executor = new HttpExecutorOptions();
            OptionsValidation.Bind(child, executor, $"{SectionName}:Executors:{child.Key}");
            OptionsValidation.RequireName(child.Key, $"{SectionName}:Executors:{child.Key}", "name");
            OptionsValidation.Validate(executor, $"{SectionName}:Executors:{child.Key}", new HttpExecutorOptionsValidator());
            executors[child.Key] = executor;
        }

        var drills = new DrillOptions();
        OptionsValidation.Bind(section.GetSection("Drills"), drills, $"{SectionName}:Drills");
        if (drills.Enabled && executors.ContainsKey("drill"))
        {
            throw new StartupException($"{SectionName}:Executors:drill: the name is taken by the drill tools' breaker while drills are enabled.");
        }

        var tools = BuiltInTools.Defaults(drills.Enabled);
        foreach (var child in section.GetSection("Tools").GetChildren().Where(c => drills.Enabled || !BuiltInTools.IsDrill(c.Key)))
        {
            OptionsValidation.RequireName(child.Key, $"{SectionName}:Tools:{child.Key}", "name");
            var tool = tools.TryGetValue(child.Key, out var builtIn) ? builtIn : new ToolOptions { ArgsSchema = """{"type":"object"}""" };
            OptionsValidation.Bind(child, tool, $"{SectionName}:Tools:{child.Key}");
            tools[child.Key] = tool;
        }

        var definitions = new Dictionary<string, ToolDefinition>(StringComparer.Ordinal);
        foreach (var (name, tool) in tools)
        {
            OptionsValidation.Validate(tool, $"{SectionName}:Tools:{name}", new ToolOptionsValidator());
            if (tool.Executor != ToolOptions.BuiltInExecutorName && !executors.ContainsKey(tool.Executor))
            {
                throw new StartupException($"{SectionName}:Tools:{name}:Executor names '{tool.Executor}', which is not configured under {SectionName}:Executors.");
            }

            var drill = BuiltInTools.IsDrill(name) && tool.Executor == ToolOptions.BuiltInExecutorName;
            var breaker = drill ? BuiltInTools.DrillBreaker : BreakerFor(tool.Executor);
            definitions[name] = new ToolDefinition(name, tool, ParseSchema(name, tool.ArgsSchema), breaker);
        }

        var options = new ActionsOptions { Tools = definitions, Executors = executors, Drills = drills };
        OptionsValidation.Bind(section, options, SectionName);
        OptionsValidation.Validate(options, SectionName, new ActionsOptionsValidator());

        return options;
    }

    private static JsonSchema ParseSchema(string tool, string? text)
    {
        try
        {
            return JsonSchema.FromText(text ?? """{"type":"object"}""");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new StartupException($"{SectionName}:Tools:{tool}:ArgsSchema is not a valid JSON Schema: {ex.Message}", ex);
        }
    }
}

/// <summary>Checks the pipeline's own settings from their data annotations; tools and executors are checked one by one.</summary>
[OptionsValidator]
public sealed partial class ActionsOptionsValidator : IValidateOptions<ActionsOptions>;
