using Sonia.Hosting.Correlation;

namespace Sonia.Tests.Correlation;

/// <summary>A test grain that reports the correlation id it sees after a number of hops.</summary>
public interface ICorrelationProbeGrain : IGrainWithStringKey
{
    /// <param name="hops">Further grains to call before answering.</param>
    /// <param name="clearContext">Clear RequestContext before the next hop, as careless grain code might.</param>
    Task<string?> SeenAfterAsync(int hops, bool clearContext);
}

public sealed class CorrelationProbeGrain : Grain, ICorrelationProbeGrain
{
    public async Task<string?> SeenAfterAsync(int hops, bool clearContext)
    {
        if (hops <= 0)
        {
            return CorrelationId.Current;
        }

        if (clearContext)
        {
            RequestContext.Clear();
        }

        return await GrainFactory.GetGrain<ICorrelationProbeGrain>(Guid.NewGuid().ToString()).SeenAfterAsync(hops - 1, clearContext);
    }
}
