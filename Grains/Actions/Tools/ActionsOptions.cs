using Json.Schema;
using Microsoft.Extensions.Configuration;
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
    public TimeSpan ConfirmationTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the recovery sweep looks for unfinished actions nobody is working on.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long past its next expected write an action's owner is trusted to still be alive.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Replayed and discarded dead letters are deleted this long after they were resolved; unresolved ones never are.</summary>
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
            OptionsValidation.Validate(executor, $"executor '{child.Key}'");
            if (!Uri.TryCreate(executor.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new StartupException($"executor '{child.Key}': BaseUrl must be an absolute http(s) URL.");
            }

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
            OptionsValidation.Validate(tool, $"tool '{name}'");
            var problems = tool.Retry.Problems(name).ToList();
            if (tool.Timeout <= TimeSpan.Zero)
            {
                problems.Add($"tool '{name}': Timeout must be positive");
            }

            if (tool.Executor != ToolOptions.BuiltInExecutorName && !executors.ContainsKey(tool.Executor))
            {
                problems.Add($"tool '{name}': executor '{tool.Executor}' is not configured under {SectionName}:Executors");
            }

            if (problems.Count > 0)
            {
                throw new StartupException(string.Join("; ", problems));
            }

            var drill = BuiltInTools.IsDrill(name) && tool.Executor == ToolOptions.BuiltInExecutorName;
            var breaker = drill ? BuiltInTools.DrillBreaker : BreakerFor(tool.Executor);
            definitions[name] = new ToolDefinition(name, tool, ParseSchema(name, tool.ArgsSchema), breaker);
        }

        var options = new ActionsOptions { Tools = definitions, Executors = executors, Drills = drills };
        OptionsValidation.Bind(section, options, SectionName);
        if (options.ConfirmationTimeout <= TimeSpan.Zero || options.RecoveryInterval <= TimeSpan.Zero || options.LeaseDuration <= TimeSpan.Zero || options.DeadLetterRetention <= TimeSpan.Zero)
        {
            throw new StartupException($"{SectionName}: ConfirmationTimeout, RecoveryInterval, LeaseDuration and DeadLetterRetention must be positive.");
        }

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
            throw new StartupException($"tool '{tool}': ArgsSchema is not a valid JSON Schema: {ex.Message}", ex);
        }
    }
}
