namespace Sonia.Gateway.Requests;

/// <summary>
/// <c>dry_run</c> is read the same way by every endpoint that has one: from the query string or the JSON body,
/// either is fine, both must agree, and a dry run is the default (a real change must be asked for in so many words).
/// </summary>
public static class DryRun
{
    public static readonly QueryParameter Query =
        QueryParameter.Flag("dry_run", "true (the default) reports what would happen and changes nothing; false does it.");

    /// <summary>The dry-run choice, or true when neither place says; a disagreement is added to <paramref name="query"/>'s errors.</summary>
    public static bool Resolve(QueryReader query, bool? fromBody)
    {
        var fromQuery = query.Flag(Query);
        if (fromQuery is { } q && fromBody is { } b && q != b)
        {
            query.Errors.Add($"dry_run is {Word(q)} in the query string but {Word(b)} in the body; give it once, or the same in both");
        }

        return fromBody ?? fromQuery ?? true;
    }

    private static string Word(bool value) => value ? "true" : "false";
}
