using Microsoft.AspNetCore.Http.HttpResults;
using Sonia.Gateway.Actions;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Gateway.Security;

/// <summary>
/// What a caller may see of actions: a <c>client</c> key sees only actions it submitted (another's is a 404, as if
/// it did not exist) and never the <c>args_hash</c> of an action awaiting confirmation; the answer to a submission
/// never carries that hash either, since the submitter is the one key that must not approve it.
/// Drill tools (<c>drill.*</c>) may be submitted by admin keys only. Open local mode sees everything. An action the
/// assistant proposed in a client's session (<c>assistant:&lt;key&gt;</c>) is that client's, hash included: it approves it.
/// </summary>
public sealed class ActionVisibility(SecurityMode mode) : IEndpointFilter
{
    public const string DrillPrefix = "drill.";

    /// <summary>For an action listing: the key whose actions alone a client sees, or null for operators.</summary>
    public static string? OwnerFilter(HttpContext context) =>
        SoniaRoles.Holds(context.User, SoniaRoles.Operator) ? null : context.User.Identity?.Name ?? string.Empty;

    /// <summary>
    /// Whether <paramref name="key"/> may approve or deny an action, asked before deciding (over REST and over the socket).
    /// Operators decide any action. A client key decides only what the assistant proposed in its own sessions
    /// (<c>submitted_by</c> = <c>assistant:&lt;key&gt;</c>): four-eyes holds, the proposer being the assistant. An action the
    /// key submitted itself is <see cref="DecisionAccess.OwnSubmission"/>; any other (or none) is
    /// <see cref="DecisionAccess.NotFound"/>, so neither its existence nor its state leaks.
    /// </summary>
    public static async Task<DecisionAccess> DecisionAccessAsync(IActionGrain action, bool operatorKey, string? key)
    {
        if (operatorKey)
        {
            return DecisionAccess.Allowed;
        }

        var submittedBy = (await action.GetAsync())?.SubmittedBy;
        return AssistantActors.IsFor(submittedBy, key) ? DecisionAccess.Allowed
            : submittedBy is not null && submittedBy == key ? DecisionAccess.OwnSubmission
            : DecisionAccess.NotFound;
    }

    /// <summary>Four-eyes is off in open local mode, where every request is the same person.</summary>
    public static bool FourEyes(HttpContext context) => !context.RequestServices.GetRequiredService<SecurityMode>().Open;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var submitting = HttpMethods.IsPost(context.Request.Method) && context.Request.RouteValues.Count == 0;
        if (submitting && !mode.Open && invocation.Arguments.OfType<SubmitActionRequest>().FirstOrDefault() is { Tool: { } tool }
            && tool.StartsWith(DrillPrefix, StringComparison.Ordinal) && !SoniaRoles.Holds(context.User, SoniaRoles.Admin))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: $"drill tools ({DrillPrefix}*) need an admin key.");
        }

        var result = await next(invocation);
        if (mode.Open)
        {
            return result;
        }

        var inner = result is INestedHttpResult nested ? nested.Result : result;
        var operatorKey = SoniaRoles.Holds(context.User, SoniaRoles.Operator);
        return inner switch
        {
            Accepted<ActionResponse> accepted => TypedResults.Accepted(accepted.Location, Conceal(accepted.Value!)),
            Ok<ActionResponse> ok when submitting => TypedResults.Ok(Conceal(ok.Value!)),
            Ok<ActionResponse> ok when operatorKey => result,
            // The assistant proposed it in the key's session: the key is the one to approve it, so it sees the hash.
            Ok<ActionResponse> ok when AssistantActors.IsFor(ok.Value!.SubmittedBy, context.User.Identity?.Name) => result,
            Ok<ActionResponse> ok when ok.Value!.SubmittedBy != context.User.Identity?.Name => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "Action not found", detail: $"No action {ok.Value.ActionId}."),
            Ok<ActionResponse> ok => TypedResults.Ok(Conceal(ok.Value!)),
            Ok<ActionList> list when !operatorKey => TypedResults.Ok(new ActionList(list.Value!.Actions.Select(Conceal).ToList())),
            _ => result,
        };
    }

    /// <summary>Without the hash that approving needs, when the action awaits confirmation.</summary>
    private static ActionResponse Conceal(ActionResponse action) => action.RequiresConfirmation ? action with { ArgsHash = null } : action;
}

/// <summary>What <see cref="ActionVisibility.DecisionAccessAsync"/> found.</summary>
public enum DecisionAccess
{
    Allowed,

    /// <summary>The key submitted the action itself: it sees it, but deciding it needs another key (four-eyes).</summary>
    OwnSubmission,

    NotFound,
}
