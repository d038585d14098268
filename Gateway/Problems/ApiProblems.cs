using Microsoft.AspNetCore.Http.HttpResults;

namespace Sonia.Gateway.Problems;

/// <summary>The 400 every API answers to bad input: one detail line, and every problem listed under <c>errors</c>.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult Invalid(string title, IReadOnlyList<string> errors) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: title,
        detail: string.Join("; ", errors),
        extensions: new Dictionary<string, object?> { ["errors"] = errors });
}
