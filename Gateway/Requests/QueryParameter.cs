namespace Sonia.Gateway.Requests;

/// <summary>
/// One query parameter as the API both enforces and documents it: its name, kind and bounds live here once,
/// so the OpenAPI document cannot drift from what <see cref="QueryReader"/> accepts.
/// </summary>
public sealed record QueryParameter(string Name, QueryKind Kind, string Description)
{
    public int Min { get; init; }

    public int Max { get; init; }

    public double MinExclusive { get; init; }

    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>An integer from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static QueryParameter Integer(string name, int min, int max, string description) =>
        new(name, QueryKind.Integer, description) { Min = min, Max = max };

    /// <summary>One of <paramref name="choices"/>.</summary>
    public static QueryParameter OneOf(string name, IEnumerable<string> choices, string description) =>
        new(name, QueryKind.Choice, description) { Choices = choices.Order(StringComparer.Ordinal).ToList() };

    public static QueryParameter Text(string name, string description) => new(name, QueryKind.Text, description);

    public static QueryParameter Time(string name, string description) => new(name, QueryKind.DateTime, description);

    public static QueryParameter Flag(string name, string description) => new(name, QueryKind.Boolean, description);
}

public enum QueryKind
{
    Text,
    Integer,
    Choice,
    DateTime,
    Boolean,
}

/// <summary>Endpoint metadata: the query parameters a handler reads through <see cref="QueryReader"/>.</summary>
public sealed record QueryParameters(IReadOnlyList<QueryParameter> Parameters);

public static class QueryParameterEndpointExtensions
{
    /// <summary>Declares the query parameters this endpoint reads, for the OpenAPI document.</summary>
    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder builder, params QueryParameter[] parameters) =>
        builder.WithMetadata(new QueryParameters(parameters));
}
