using Sonia.Gateway.Security;

namespace Sonia.Gateway.Streaming;

/// <summary>What every stream connection uses, resolved once.</summary>
public sealed class StreamServices(
    IClusterClient cluster,
    KeyRing keys,
    SecurityMode mode,
    StreamOptions options,
    StreamRateLimiter limiter,
    TimeProvider time,
    ILoggerFactory loggers)
{
    public IClusterClient Cluster { get; } = cluster;

    public KeyRing Keys { get; } = keys;

    public SecurityMode Mode { get; } = mode;

    public StreamOptions Options { get; } = options;

    public StreamRateLimiter Limiter { get; } = limiter;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = loggers.CreateLogger("Sonia.Gateway.Stream");

    /// <summary>The logger refusals of keys go to, as for HTTP requests.</summary>
    public ILogger AccessLogger { get; } = loggers.CreateLogger("Sonia.Gateway.Security.Access");
}
