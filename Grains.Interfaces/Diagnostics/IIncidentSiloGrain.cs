namespace Sonia.Grains.Interfaces.Diagnostics;

/// <summary>
/// One silo's view of itself for incident bundles, keyed by that silo's address
/// (<c>SiloAddress.ToParsableString()</c>) and always placed on it: its own log files and configuration are only
/// readable there. A call for a silo that has left the cluster fails rather than reach another silo.
/// </summary>
[Alias("sonia.incident-silo")]
public interface IIncidentSiloGrain : IGrainWithStringKey
{
    /// <summary>Versions, start time, process, log files and redacted configuration of this silo.</summary>
    /// <param name="secretKey">When given, each secret placeholder comes with its fingerprint under this one-time key.</param>
    [Alias("describe")]
    Task<IncidentSiloDescription> DescribeAsync(byte[]? secretKey = null);

    /// <summary>One page of a log file's lines in a window; the first call (no cursor) plans which lines to return.</summary>
    [Alias("read-log")]
    Task<IncidentLogPage> ReadLogAsync(IncidentLogRequest request);
}

/// <summary>A silo as it describes itself; <see cref="Configuration"/> holds placeholders, never secrets.</summary>
[GenerateSerializer, Immutable, Alias("sonia.incident-silo-description")]
public sealed record class IncidentSiloDescription(
    [property: Id(0)] string SiloAddress,
    [property: Id(1)] string? SiloName,
    [property: Id(2)] string SoniaVersion,
    [property: Id(3)] string GitCommit,
    [property: Id(4)] string DotnetVersion,
    [property: Id(5)] string OrleansVersion,
    [property: Id(6)] int ProcessId,
    [property: Id(7)] DateTimeOffset ProcessStartedAt,
    [property: Id(8)] string? LogProcessName,
    [property: Id(9)] IReadOnlyList<string> LogFiles,
    [property: Id(10)] IReadOnlyDictionary<string, string?> Configuration,
    [property: Id(11)] IReadOnlyDictionary<string, string> SecretFingerprints);

/// <summary>Lines of <see cref="File"/> with <see cref="From"/> ≤ ts &lt; <see cref="To"/>, the newest <see cref="MaxLines"/>.</summary>
[GenerateSerializer, Immutable, Alias("sonia.incident-log-request")]
public sealed record class IncidentLogRequest(
    [property: Id(0)] string File,
    [property: Id(1)] DateTimeOffset From,
    [property: Id(2)] DateTimeOffset To,
    [property: Id(3)] int MaxLines,
    [property: Id(4)] IncidentLogCursor? Cursor);

/// <summary>Where the next page starts and where the planned lines end (bytes into the file).</summary>
[GenerateSerializer, Immutable, Alias("sonia.incident-log-cursor")]
public sealed record class IncidentLogCursor(
    [property: Id(0)] long Offset,
    [property: Id(1)] long End);

/// <summary>
/// One page of lines, secrets already replaced by the silo's own placeholders. <see cref="Matched"/> and
/// <see cref="Kept"/> (set on the first page) tell whether the per-file cap left older lines out.
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.incident-log-page")]
public sealed record class IncidentLogPage(
    [property: Id(0)] IReadOnlyList<string> Lines,
    [property: Id(1)] IncidentLogCursor? Next,
    [property: Id(2)] int Matched,
    [property: Id(3)] int Kept);
