namespace Sonia.Grains.Storage;

/// <summary>Names of the grain storage providers grains persist through.</summary>
public static class SoniaStorage
{
    /// <summary>The ADO.NET grain storage in the configured database.</summary>
    public const string Name = "sonia";
}
