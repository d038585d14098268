namespace Sonia.Hosting.Cluster;

/// <summary>How silos find each other and clients find silos.</summary>
public enum ClusteringMode
{
    /// <summary>Membership rows in the database through the Orleans ADO.NET provider: any number of silos.</summary>
    AdoNet,

    /// <summary>One silo on this machine; no membership table.</summary>
    Localhost,
}
