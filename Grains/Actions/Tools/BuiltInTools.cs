using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions.Tools;

/// <summary>Tools that ship in the default registry and are safe to run anywhere.</summary>
public static class BuiltInTools
{
    public const string Echo = "echo";
    public const string NoteSave = "note.save";
    public const string NoteDelete = "note.delete";
    public const string DrillFail = "drill.fail";
    public const string DrillSleep = "drill.sleep";

    /// <summary>
    /// The breaker drill tools run behind: drills fail on purpose, and must not open the <c>executor</c> breaker
    /// that real built-in tools (<c>note.save</c>, <c>note.delete</c>) depend on.
    /// </summary>
    public const string DrillBreaker = "executor.drill";

    public static bool IsDrill(string tool) => tool is DrillFail or DrillSleep;

    /// <summary>The built-in tools; drill tools only when <paramref name="drills"/> (Sonia:Actions:Drills:Enabled) is on.</summary>
    public static Dictionary<string, ToolOptions> Defaults(bool drills)
    {
        var tools = All();
        if (!drills)
        {
            tools.Remove(DrillFail);
            tools.Remove(DrillSleep);
        }

        return tools;
    }

    private static Dictionary<string, ToolOptions> All() => new(StringComparer.Ordinal)
    {
        [Echo] = new ToolOptions
        {
            Timeout = TimeSpan.FromSeconds(10),
            ArgsSchema = """{"type":"object"}""",
        },
        [NoteSave] = new ToolOptions
        {
            Timeout = TimeSpan.FromSeconds(10),
            ArgsSchema = """
                {"type":"object","required":["text"],"additionalProperties":false,"properties":{
                  "text":{"type":"string","minLength":1,"maxLength":10000},
                  "tags":{"type":"array","maxItems":20,"items":{"type":"string","maxLength":64}}}}
                """,
        },
        [NoteDelete] = new ToolOptions
        {
            Risk = "high",
            RequiresConfirmation = true,
            Timeout = TimeSpan.FromSeconds(10),
            ArgsSchema = """
                {"type":"object","required":["memory_id"],"additionalProperties":false,"properties":{
                  "memory_id":{"type":"string","minLength":1,"maxLength":64}}}
                """,
        },
        [DrillFail] = new ToolOptions
        {
            Risk = "medium",
            Timeout = TimeSpan.FromSeconds(10),
            ArgsSchema = $$$$"""
                {"type":"object","required":["failure_class"],"additionalProperties":false,"properties":{
                  "failure_class":{"enum":["{{{{FailureClasses.Timeout}}}}","{{{{FailureClasses.ExecutorError}}}}","{{{{FailureClasses.Rejected}}}}","{{{{FailureClasses.Unknown}}}}"]},
                  "message":{"type":"string","maxLength":500},
                  "fail_times":{"type":"integer","minimum":1,"maximum":100}}}
                """,
        },
        [DrillSleep] = new ToolOptions
        {
            Timeout = TimeSpan.FromSeconds(5),
            ArgsSchema = """
                {"type":"object","required":["ms"],"additionalProperties":false,"properties":{
                  "ms":{"type":"integer","minimum":0,"maximum":600000}}}
                """,
        },
    };
}

/// <summary><c>Sonia:Actions:Drills</c>: whether the drill tools (<c>drill.fail</c>, <c>drill.sleep</c>) are registered.</summary>
public sealed class DrillOptions
{
    /// <summary>Off by default: a production registry has no tools that fail on request.</summary>
    public bool Enabled { get; set; }
}
