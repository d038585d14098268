using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Sonia.Gateway.Security;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> → the key's name and role. Refusals are answered as problem+json and
/// logged with the method, path, key name and roles; the presented key itself is never logged or echoed.
/// </summary>
public sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    KeyRing keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "SoniaApiKey";
    private const string BearerPrefix = "Bearer ";
    private const string Throttled = "too many keys not seen before are being checked";

    private readonly ILogger _audit = loggerFactory.CreateLogger("Sonia.Gateway.Security.Access");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (keys.IsEmpty)
        {
            return Task.FromResult(Success(new ApiKeyIdentity(OpenLocalMode.ActorName, SoniaRoles.Admin)));
        }

        var headers = Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (headers.Count != 1 || headers[0] is not { } header || !header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("the Authorization header is not one 'Bearer <key>'"));
        }

        return Task.FromResult(keys.Check(header[BearerPrefix.Length..].Trim(), out var identity) switch
        {
            KeyVerdict.Known => Success(identity!),
            KeyVerdict.Throttled => AuthenticateResult.Fail(Throttled),
            _ => AuthenticateResult.Fail("the key matches no configured key"),
        });
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var reason = result.Failure?.Message ?? "no Authorization header";
        if (reason == Throttled)
        {
            LogRefused(_audit, StatusCodes.Status429TooManyRequests, Request.Method, Request.Path, "(unchecked)", reason);
            Response.Headers.RetryAfter = "1";
            await WriteProblemAsync(StatusCodes.Status429TooManyRequests, "Too many unknown keys",
                "Too many keys not seen before are being presented; retry in a second.");
            return;
        }

        LogRefused(_audit, StatusCodes.Status401Unauthorized, Request.Method, Request.Path, "(none)", reason);
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized",
            $"Send an API key as 'Authorization: Bearer <key>' ({reason}).");
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var required = Context.GetEndpoint()?.Metadata.GetMetadata<SoniaRoleMetadata>()?.Role ?? SoniaRoles.Admin;
        var held = SoniaRoles.Of(Context.User) ?? "(none)";
        var name = Context.User.Identity?.Name ?? "(none)";
        LogRefused(_audit, StatusCodes.Status403Forbidden, Request.Method, Request.Path, name, $"role {held}, needs {required}");
        await WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden",
            $"Key '{name}' has role {held}; this endpoint needs {required} or higher.");
    }

    private AuthenticateResult Success(ApiKeyIdentity identity)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, identity.Name), new Claim(ClaimTypes.Role, identity.Role)], SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private Task WriteProblemAsync(int status, string title, string detail) => ProblemWriter.WriteAsync(Context, status, title, detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Access refused ({Status}) to {Method} {Path} for key {KeyName}: {Reason}")]
    private static partial void LogRefused(ILogger logger, int status, string method, string path, string keyName, string reason);
}
