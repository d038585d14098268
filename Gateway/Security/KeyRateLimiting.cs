using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Sonia.Gateway.Security;

/// <summary>
/// One fixed one-minute window per key, sized by the key's role (<c>Sonia:Auth:RateLimits</c>); a key over its
/// budget gets 429 problem+json with <c>Retry-After</c>. Anonymous endpoints (health probes) are not limited here.
/// </summary>
public static partial class KeyRateLimiting
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddKeyRateLimiting(this IServiceCollection services, RoleRateLimits limits)
    {
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var role = SoniaRoles.Of(context.User);
                var name = context.User.Identity?.Name;
                var permits = role is null ? 0 : limits.For(role);
                return permits == 0 || name is null
                    ? RateLimitPartition.GetNoLimiter(string.Empty)
                    : RateLimitPartition.GetFixedWindowLimiter(name, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = permits,
                        Window = Window,
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
            });
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var name = context.User.Identity?.Name ?? "(none)";
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sonia.Gateway.Security.Access");
        LogLimited(logger, name, context.Request.Method, context.Request.Path, seconds);

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await ProblemWriter.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
            $"Key '{name}' used its request budget for this minute; retry after {seconds} s.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit reached for key {KeyName} at {Method} {Path}; retry after {Seconds} s")]
    private static partial void LogLimited(ILogger logger, string keyName, string method, string path, int seconds);
}
