using System.Threading.RateLimiting;
using Sonia.Gateway.Security;

namespace Sonia.Gateway.Streaming;

/// <summary>
/// The per-key request budget of <c>Sonia:Auth:RateLimits</c>, applied to the commands a socket sends (each
/// <c>input.text</c>, <c>action.approve</c> and <c>action.deny</c> counts as one request): the upgrade itself is
/// counted by the HTTP limiter, but one socket can carry any number of turns. A key's sockets share its window.
/// </summary>
public sealed class StreamRateLimiter(RoleRateLimits limits) : IDisposable
{
    private readonly PartitionedRateLimiter<StreamCaller> _limiter = PartitionedRateLimiter.Create<StreamCaller, string>(caller =>
        limits.For(caller.Role) is var permits and > 0
            ? RateLimitPartition.GetFixedWindowLimiter(caller.Name, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permits,
                Window = KeyRateLimiting.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            })
            : RateLimitPartition.GetNoLimiter(string.Empty));

    /// <summary>True when <paramref name="caller"/> may send one more command now; otherwise the seconds to wait.</summary>
    public bool TryAcquire(StreamCaller caller, out int retryAfterSeconds)
    {
        using var lease = _limiter.AttemptAcquire(caller);
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : KeyRateLimiting.Window;
        retryAfterSeconds = lease.IsAcquired ? 0 : Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
