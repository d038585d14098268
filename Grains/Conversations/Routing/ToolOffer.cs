using Sonia.Grains.Actions.Tools;

namespace Sonia.Grains.Conversations.Routing;

/// <summary>The tools a router may call: every registered tool but the drills, which are for operators on purpose.</summary>
public sealed class ToolOffer(ActionsOptions actions)
{
    public IReadOnlyList<RouterTool> Tools { get; } = actions.Tools.Values
        .Where(t => !BuiltInTools.IsDrill(t.Name))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(t => new RouterTool(t.Name, Describe(t), t.Options.ArgsSchema ?? """{"type":"object"}"""))
        .ToList();

    private static string Describe(ToolDefinition tool) =>
        $"Sonia tool {tool.Name} (risk {tool.Options.Risk}" + (tool.Options.RequiresConfirmation ? ", runs once the user confirms)" : ")");
}
