using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace Sonia.Hosting.Cluster;

/// <summary>Identity and endpoints of the Orleans cluster, shared by silos and the gateway.</summary>
public sealed class SoniaClusterOptions : IValidatableObject
{
    public const string SectionName = "Sonia:Cluster";

    [Required, RegularExpression("^[A-Za-z0-9._-]{1,64}$", ErrorMessage = "Sonia:Cluster:ClusterId must be 1-64 chars of [A-Za-z0-9._-].")]
    public string ClusterId { get; set; } = "sonia";

    [Required, RegularExpression("^[A-Za-z0-9._-]{1,64}$", ErrorMessage = "Sonia:Cluster:ServiceId must be 1-64 chars of [A-Za-z0-9._-].")]
    public string ServiceId { get; set; } = "sonia";

    [EnumDataType(typeof(ClusteringMode))]
    public ClusteringMode Clustering { get; set; } = ClusteringMode.AdoNet;

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients use to reach this silo; loopback by default.</summary>
    [Required]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// How often a gateway client re-reads the list of live silos, in seconds; also how long it shuns a gateway whose
    /// connection failed, so a restarted silo is used again at most this long after it is back (one small query each time).
    /// </summary>
    [Range(1, 3600)]
    public int GatewayListRefreshSeconds { get; set; } = 2;

    /// <summary>
    /// The liveness probe timeout, in seconds: a silo that misses 3 probes in a row is declared dead (about 3× this), and
    /// its work moves. Shorter finds a dead silo sooner but may declare dead one that only stalled (a long GC pause).
    /// </summary>
    [Range(1, 600)]
    public int ProbeTimeoutSeconds { get; set; } = 2;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(AdvertisedAddress) && !IPAddress.TryParse(AdvertisedAddress, out _))
        {
            yield return new ValidationResult(
                $"{validationContext.DisplayName}: AdvertisedAddress must be an IP address.", [nameof(AdvertisedAddress)]);
        }
    }
}

/// <summary>Checks the cluster settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class SoniaClusterOptionsValidator : IValidateOptions<SoniaClusterOptions>;
