using Scalar.AspNetCore;
using Sonia.Gateway.Security;

namespace Sonia.Gateway.OpenApi;

/// <summary>
/// The browsable API reference (Scalar) at <c>/docs</c>, drawn from <c>/openapi/v1.json</c>. On unless
/// <c>Sonia:Gateway:ApiReference</c> is <c>false</c>: a deployment that does not want it shown turns it off.
/// </summary>
public static class ApiReference
{
    public const string Path = "/docs";
    public const string SettingName = "Sonia:Gateway:ApiReference";

    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        if (configuration.GetValue(SettingName, defaultValue: true))
        {
            // The page is as open as the document it draws: a client key, or anyone in open local mode.
            app.MapScalarApiReference(Path, o => o.WithTitle("Sonia API").WithOpenApiRoutePattern("/openapi/{documentName}.json"))
                .RequireRole(SoniaRoles.Client);
        }

        return app;
    }
}
