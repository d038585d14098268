using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Sonia.Grains.Diagnostics;

/// <summary>
/// Places a grain on the silo its string key names (<c>SiloAddress.ToParsableString()</c>). For grains that read what
/// only that silo has: its log files, its process. Never placed elsewhere: an answer from another silo would be wrong.
/// </summary>
[Serializable, GenerateSerializer, Immutable]
public sealed class SiloPinnedPlacement : PlacementStrategy
{
    public static readonly SiloPinnedPlacement Instance = new();
}

/// <summary>Marks a grain class as placed by <see cref="SiloPinnedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloPinnedPlacementAttribute() : PlacementAttribute(SiloPinnedPlacement.Instance);

/// <summary>Decides <see cref="SiloPinnedPlacement"/>: the silo in the key, if it is one the grain may live on.</summary>
public sealed class SiloPinnedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        SiloAddress wanted;
        try
        {
            wanted = SiloAddress.FromParsableString(key);
        }
        catch (FormatException ex)
        {
            throw new OrleansException($"'{key}' is not a silo address, so {target.GrainIdentity} has no silo to live on", ex);
        }

        return context.GetCompatibleSilos(target).Contains(wanted)
            ? Task.FromResult(wanted)
            : throw new OrleansException($"silo {key} is not an active silo of this cluster");
    }
}
