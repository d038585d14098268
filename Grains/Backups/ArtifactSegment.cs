using System.Text.Json;

namespace Sonia.Grains.Backups;

/// <summary>
/// One digest segment of a stored artifact: its chunks <c>[SeqFrom, SeqTo)</c> of <c>sonia.backup_chunks</c>, their bytes
/// and SHA-256 (lower-case hex). The manifest lists the segments of an artifact larger than one
/// (<see cref="BackupWriter.DigestSegmentChunks"/>): PostgreSQL hashes one value of at most 1 GB, so for such an artifact
/// the database recomputes each segment's digest instead of the whole artifact's, and the application still checks the
/// whole artifact's.
/// </summary>
public sealed record ArtifactSegment(int SeqFrom, int SeqTo, long Bytes, string Sha256)
{
    /// <summary>The segments of one artifact from their sizes and digests in order, each a whole number of chunks but the last.</summary>
    public static IReadOnlyList<ArtifactSegment> Of(IReadOnlyList<(long Bytes, string Sha256)> segments, int chunkBytes)
    {
        var list = new List<ArtifactSegment>(segments.Count);
        var seq = 0;
        foreach (var (bytes, sha256) in segments)
        {
            var chunks = (int)((bytes + chunkBytes - 1) / chunkBytes);
            list.Add(new ArtifactSegment(seq, seq + chunks, bytes, sha256));
            seq += chunks;
        }

        return list;
    }

    /// <summary>
    /// The segments a manifest lists, by artifact (none for a manifest that lists none, as every one written before them).
    /// Segments that do not cover their artifact (from chunk 0, one after the other, adding up to its bytes) are a problem.
    /// </summary>
    public static Dictionary<string, IReadOnlyList<ArtifactSegment>> Listed(byte[]? manifest, List<string> problems)
    {
        var listed = new Dictionary<string, IReadOnlyList<ArtifactSegment>>(StringComparer.Ordinal);
        if (manifest is null)
        {
            return listed;
        }

        try
        {
            using var document = JsonDocument.Parse(manifest);
            foreach (var artifact in document.RootElement.GetProperty("artifacts").EnumerateArray())
            {
                if (!artifact.TryGetProperty("segments", out var segments))
                {
                    continue;
                }

                var name = artifact.GetProperty("name").GetString()!;
                var parts = segments.EnumerateArray().Select(s => new ArtifactSegment(s.GetProperty("seq_from").GetInt32(),
                    s.GetProperty("seq_to").GetInt32(), s.GetProperty("bytes").GetInt64(), s.GetProperty("sha256").GetString()!)).ToList();
                var contiguous = parts.Count > 0 && parts[0].SeqFrom == 0 && parts.TrueForAll(p => p.SeqFrom < p.SeqTo)
                    && parts.Zip(parts.Skip(1)).All(p => p.First.SeqTo == p.Second.SeqFrom);
                if (!contiguous || parts.Sum(p => p.Bytes) != artifact.GetProperty("bytes").GetInt64())
                {
                    problems.Add($"{BackupWriter.ManifestName}: the digest segments of {name} do not cover it");
                }

                listed[name] = parts;
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // An unreadable manifest is reported once, by BackupVerifier.Listed; here it lists no segments.
        }

        return listed;
    }
}
