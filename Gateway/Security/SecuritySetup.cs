using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Sonia.Hosting.Cluster;

namespace Sonia.Gateway.Security;

/// <summary>Registers keys, roles, rate limits and input limits; <see cref="UseSoniaSecurity"/> puts them in the pipeline.</summary>
public static partial class SecuritySetup
{
    public static WebApplicationBuilder AddSoniaSecurity(this WebApplicationBuilder builder)
    {
        var auth = AuthOptions.Load(builder.Configuration);
        var limits = OptionsValidation.BindValidated(builder.Configuration, RequestLimitsOptions.SectionName, new RequestLimitsOptionsValidator());
        var keys = new KeyRing(auth);
        var addresses = OpenLocalMode.BoundAddresses(builder.Configuration, builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
        if (keys.IsEmpty)
        {
            OpenLocalMode.RequireLoopback(addresses);
        }

        builder.Services.AddSingleton(_ => keys); // a factory, so that the container disposes it (its rate limiter has a timer)
        builder.Services.AddSingleton(limits);
        builder.Services.AddSingleton(new SecurityMode(keys.IsEmpty, addresses));
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);

        var authorization = builder.Services.AddAuthorizationBuilder();
        foreach (var role in SoniaRoles.All)
        {
            authorization.AddPolicy(SoniaRoles.Policy(role), p => p
                .RequireAuthenticatedUser()
                .RequireAssertion(c => SoniaRoles.Holds(c.User, role)));
        }

        // An endpoint someone forgot to give a role is admin-only rather than open; the role audit test names it.
        authorization.SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .RequireAssertion(c => SoniaRoles.Holds(c.User, SoniaRoles.Admin))
            .Build());

        builder.Services.AddKeyRateLimiting(auth.RateLimits);
        return builder;
    }

    public static WebApplication UseSoniaSecurity(this WebApplication app)
    {
        var mode = app.Services.GetRequiredService<SecurityMode>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sonia.Gateway.Security");
        if (mode.Open)
        {
            LogOpen(logger, string.Join(", ", mode.Addresses));
        }
        else
        {
            LogKeys(logger, app.Services.GetRequiredService<KeyRing>().Count);
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseMiddleware<RequestLimitsMiddleware>();
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Open local mode: no API keys configured and bound to loopback only ({Addresses}); every request acts as admin 'local'")]
    private static partial void LogOpen(ILogger logger, string addresses);

    [LoggerMessage(Level = LogLevel.Information, Message = "API keys required: {Count} key(s) configured")]
    private static partial void LogKeys(ILogger logger, int count);
}

/// <summary>Whether the gateway runs open (no keys, loopback only) and on which addresses.</summary>
public sealed record SecurityMode(bool Open, IReadOnlyList<string> Addresses);
