using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Sonia.Gateway.Requests;
using Sonia.Gateway.Security;
using Sonia.Hosting.Correlation;

namespace Sonia.Gateway.OpenApi;

/// <summary>
/// Makes the generated document true to the handlers: the problem schema on every error status, the query parameters
/// each handler reads (with the bounds and choices it enforces), the correlation and location headers.
/// </summary>
public static class SoniaOpenApi
{
    public const string ProblemSchema = "Problem";

    public static IServiceCollection AddSoniaOpenApi(this IServiceCollection services) => services.AddOpenApi(o =>
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Sonia gateway";
            document.Info.Description = "Sessions, actions, circuit breakers, dead letters and tools. JSON is snake_case; errors are RFC 9457 problem+json.";
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas[ProblemSchema] = Problem();
            return Task.CompletedTask;
        });
        o.AddSchemaTransformer(RequestSchemas.TransformAsync);
        o.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            operation.Parameters ??= [];
            foreach (var parameter in metadata.OfType<QueryParameters>().SelectMany(q => q.Parameters))
            {
                operation.Parameters.Add(Query(parameter));
            }

            operation.Parameters.Add(new OpenApiParameter
            {
                Name = CorrelationId.HeaderName,
                In = ParameterLocation.Header,
                Description = $"Your correlation id (at most {CorrelationId.MaxLength} characters of [A-Za-z0-9._:-]); one is made when absent.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = CorrelationId.MaxLength, Pattern = "^[A-Za-z0-9._:-]+$" },
            });

            operation.Responses ??= new OpenApiResponses();
            var name = metadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName;
            var keyed = metadata.OfType<SoniaRoleMetadata>().Any();
            foreach (var status in ErrorResponses.For(name, keyed, context.Description.HttpMethod ?? HttpMethods.Get))
            {
                var key = status.ToString(CultureInfo.InvariantCulture);
                if (!operation.Responses.ContainsKey(key))
                {
                    operation.Responses[key] = ProblemResponse(status, context.Document);
                }
            }

            foreach (var (status, response) in operation.Responses)
            {
                if (response is OpenApiResponse concrete)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers[CorrelationId.HeaderName] = Header("The request's correlation id.");
                    if (status is "201" or "202")
                    {
                        concrete.Headers["Location"] = Header("Where the created resource (or the job) can be read.");
                    }

                    if (int.TryParse(status, CultureInfo.InvariantCulture, out var code) && ErrorResponses.RetryAfter.Contains(code))
                    {
                        concrete.Headers["Retry-After"] = Header("Seconds to wait before trying again.");
                    }
                }
            }

            return Task.CompletedTask;
        });
    });

    private static OpenApiParameter Query(QueryParameter parameter)
    {
        var schema = parameter.Kind switch
        {
            QueryKind.Integer => new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Format = "int32",
                Minimum = parameter.Min.ToString(CultureInfo.InvariantCulture),
                Maximum = parameter.Max.ToString(CultureInfo.InvariantCulture),
            },
            QueryKind.Choice => new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = parameter.Choices!.Select(c => (JsonNode)JsonValue.Create(c)).ToList(),
            },
            QueryKind.DateTime => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
            QueryKind.Boolean => new OpenApiSchema { Type = JsonSchemaType.Boolean },
            _ => new OpenApiSchema { Type = JsonSchemaType.String },
        };
        return new OpenApiParameter
        {
            Name = parameter.Name,
            In = ParameterLocation.Query,
            Required = false,
            Description = parameter.Description + " An empty value means no filter.",
            Schema = schema,
        };
    }

    private static OpenApiResponse ProblemResponse(int status, OpenApiDocument? document) => new()
    {
        Description = status switch
        {
            400 => "Bad input: every problem is listed under errors, naming the field or header and what it expects.",
            404 => "Not found: the detail names what.",
            409 => "Conflict with the resource's current state.",
            415 => "The body is not application/json.",
            503 => "The cluster did not answer; retry shortly.",
            _ => "A problem.",
        },
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
        },
    };

    private static OpenApiHeader Header(string description) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };

    private static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details, with the request's correlation id.",
        Required = new HashSet<string> { "title", "status", "correlation_id" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["errors"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            ["correlation_id"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["trace_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9a-f]{32}$" },
            ["failure_class"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };
}
