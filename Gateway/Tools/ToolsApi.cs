using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Gateway.Tools;

/// <summary><c>/v1/tools</c>: the tool registry, so that a client learns each tool's arguments without reading code.</summary>
public static class ToolsApi
{
    public static RouteGroupBuilder MapToolsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/tools").WithTags("Tools").RequireRole(SoniaRoles.Client);
        group.MapGet("/", ListAsync).WithName("ListTools");
        return group;
    }

    public static async Task<Ok<ToolList>> ListAsync(IClusterClient cluster)
    {
        var tools = await cluster.GetGrain<IToolCatalogGrain>(0).ListAsync();
        return TypedResults.Ok(new ToolList(tools.Select(ToolResponse.From).ToList()));
    }
}

public sealed record ToolList(IReadOnlyList<ToolResponse> Tools);

/// <summary>A tool as the API returns it: its argument schema as JSON, not as a string.</summary>
public sealed record ToolResponse(
    string Name,
    string Executor,
    string Risk,
    bool RequiresConfirmation,
    double? ConfirmationTimeoutSeconds,
    double TimeoutSeconds,
    ToolRetryView Retry,
    string Breaker,
    JsonElement ArgsSchema)
{
    public static ToolResponse From(ToolView view)
    {
        using var schema = JsonDocument.Parse(view.ArgsSchema);
        return new(view.Name, view.Executor, view.Risk, view.RequiresConfirmation, view.ConfirmationTimeoutSeconds, view.TimeoutSeconds,
            view.Retry, view.Breaker, schema.RootElement.Clone());
    }
}
