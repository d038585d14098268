using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Sonia.Grains.Backups;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Hosting.Database;
using Sonia.Tests.DeadLetters;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>
/// Digest segments: PostgreSQL hashes one value of at most 1 GB, so an artifact larger than a segment (511 MB) is listed in
/// the manifest in segments of whole chunks, whose digests the database recomputes one by one. Here segments are two chunks
/// (15,600 bytes), so a few hundred dead letters span several.
/// </summary>
public sealed class BackupSegmentTests
{
    private const int SegmentChunks = 2;
    private const int ChunkBytes = 7800;

    [Theory]
    [InlineData(10, 0)]
    [InlineData(10, 5)]
    [InlineData(10, 10)]
    [InlineData(10, 20)]
    [InlineData(10, 25)]
    [InlineData(10, 31)]
    public void HashingStream_HashesEachSegment_AndTheWhole(int segmentBytes, int length)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3)).ToArray();
        using var hashing = new HashingStream(null, segmentBytes: segmentBytes);
        // Odd-sized writes, so segment ends fall inside them.
        foreach (var piece in data.Chunk(3))
        {
            hashing.Write(piece);
        }

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), hashing.Finish());
        var expected = length > segmentBytes
            ? data.Chunk(segmentBytes).Select(s => ((long)s.Length, Convert.ToHexStringLower(SHA256.HashData(s)))).ToList()
            : null;
        Assert.Equal(expected, hashing.Segments);
    }

    [Fact]
    public async Task LargeArtifact_IsListedInSegments_AndTheDatabaseChecksEach()
    {
        var (database, backupId) = await BackupAsync(200);

        var verification = await VerifyAsync(database, backupId);

        Assert.True(verification.Passed, string.Join("; ", verification.Problems));
        var deadLetters = Assert.Single(verification.Artifacts, a => a.Name == BackupTables.DeadLetters);
        Assert.Null(deadLetters.Sha256Db);
        Assert.NotNull(deadLetters.Segments);
        Assert.True(deadLetters.Segments.Count >= 3, $"{deadLetters.Bytes} bytes in {deadLetters.Segments.Count} segment(s)");
        Assert.All(deadLetters.Segments, s => Assert.True(s.Passed && s.Sha256Db == s.Sha256Manifest));
        // The segments cover the artifact, chunk after chunk, and each is the SHA-256 of its bytes.
        var content = await ContentAsync(database, backupId, BackupTables.DeadLetters);
        long offset = 0;
        var seq = 0;
        foreach (var segment in deadLetters.Segments)
        {
            Assert.Equal(seq, segment.SeqFrom);
            var bytes = content.AsSpan((int)offset, (int)segment.Bytes);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), segment.Sha256Manifest);
            offset += segment.Bytes;
            seq = segment.SeqTo;
        }

        Assert.Equal(content.Length, offset);
        // A small artifact keeps the whole digest, computed by the database as before.
        var schema = Assert.Single(verification.Artifacts, a => a.Name == "schema_versions.tsv");
        Assert.Null(schema.Segments);
        Assert.Equal(schema.Sha256Manifest, schema.Sha256Db);
        var json = JsonSerializer.Serialize(schema, BackupJson.Options);
        Assert.DoesNotContain("segments", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedChunk_FailsItsSegment_AndTheVerificationNamesIt()
    {
        var (database, backupId) = await BackupAsync(200);
        // The first chunk of the second segment.
        await TestSql.ScalarAsync(database, "UPDATE sonia.backup_chunks SET content = set_byte(content, 5, get_byte(content, 5) # 1) " +
            "WHERE backup_id = @backup_id AND name = @name AND seq = @seq",
            ("backup_id", backupId), ("name", BackupTables.DeadLetters), ("seq", SegmentChunks));

        var verification = await VerifyAsync(database, backupId);

        Assert.False(verification.Passed);
        var deadLetters = Assert.Single(verification.Artifacts, a => a.Name == BackupTables.DeadLetters);
        Assert.False(deadLetters.Passed);
        Assert.Equal([true, false], deadLetters.Segments!.Take(2).Select(s => s.Passed));
        Assert.All(deadLetters.Segments!.Skip(2), s => Assert.True(s.Passed));
        Assert.Contains(verification.Problems, p => p.StartsWith($"artifact {BackupTables.DeadLetters} changed", StringComparison.Ordinal)
            && p.Contains($"segment 2 of {deadLetters.Segments!.Count} (chunks {SegmentChunks}-{(2 * SegmentChunks) - 1})",
                StringComparison.Ordinal));
    }

    [Fact]
    public async Task ManifestWhoseSegmentsDoNotCoverTheArtifact_FailsTheVerification()
    {
        var (database, backupId) = await BackupAsync(200);
        // A manifest rewritten with its last segment left out, its stored digest updated to match: only the cover check sees it.
        var manifest = await TestSql.ScalarAsync(database, "SELECT manifest FROM sonia.backups WHERE backup_id = @backup_id",
            ("backup_id", backupId)) as byte[];
        var document = System.Text.Json.Nodes.JsonNode.Parse(manifest)!;
        var artifact = document["artifacts"]!.AsArray().Single(a => (string?)a!["name"] == BackupTables.DeadLetters)!;
        var segments = artifact["segments"]!.AsArray();
        segments.RemoveAt(segments.Count - 1);
        var changed = System.Text.Encoding.UTF8.GetBytes(document.ToJsonString());
        await TestSql.ScalarAsync(database,
            "UPDATE sonia.backups SET manifest = @manifest, manifest_sha256 = @sha WHERE backup_id = @backup_id",
            ("manifest", changed), ("sha", Convert.ToHexStringLower(SHA256.HashData(changed))), ("backup_id", backupId));

        var verification = await VerifyAsync(database, backupId);

        Assert.False(verification.Passed);
        Assert.Contains($"{BackupWriter.ManifestName}: the digest segments of {BackupTables.DeadLetters} do not cover it",
            verification.Problems);
    }

    private static async Task<(DatabaseOptions Database, string BackupId)> BackupAsync(int deadLetters)
    {
        var postgres = await PostgresServer.GetAsync();
        var database = await postgres.CreateDatabaseAsync("backup_segments");
        await new DeadLetterSeed(database, "segments", deadLetters, DateTimeOffset.UtcNow.AddDays(-1)).InsertAsync();
        var writer = new BackupWriter(database, Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ServiceId = "segments" }),
            new ConfigArtifacts(new ConfigurationBuilder().Build(), new BackupOptions()), TimeProvider.System, TimeSpan.FromMinutes(5),
            SegmentChunks);
        var backupId = BackupIds.New();
        var artifacts = await writer.WriteAsync(new BackupRequest(backupId, "segments", "test", null, DateTimeOffset.UtcNow), null,
            CancellationToken.None);
        // Several segments: more than two chunks' worth of dead letters.
        Assert.True(artifacts.Single(a => a.Name == BackupTables.DeadLetters).Bytes > 2L * SegmentChunks * ChunkBytes);
        return (database, backupId);
    }

    private static async Task<BackupVerification> VerifyAsync(DatabaseOptions database, string backupId) =>
        (await new BackupVerifier(new BackupStore(database, TimeSpan.FromMinutes(5)), TimeProvider.System).VerifyAsync(backupId))!;

    private static async Task<byte[]> ContentAsync(DatabaseOptions database, string backupId, string name)
    {
        using var content = new MemoryStream();
        await new BackupStore(database, TimeSpan.FromMinutes(5)).ReadContentAsync(backupId, name, stream => stream.CopyToAsync(content));
        return content.ToArray();
    }
}
