using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>
/// Artifacts are stored as chunk rows (migration 0010): several per large artifact, none over 7,800 bytes, whose
/// concatenation in seq order is the artifact; a missing or reordered chunk is caught; backups stored the older way (content
/// in the artifact's row) still verify and export.
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class BackupChunkTests(SoniaClusterFixture fixture)
{
    private const int ChunkBytes = 7800;
    private readonly BackupsClient _backups = new(fixture.Http);

    [Fact]
    public async Task Backup_StoresALargeArtifactAsChunksOfAtMost7800Bytes_WhoseConcatenationIsTheManifestDigest()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        var (name, bytes) = await LargestAsync(id);
        Assert.True(bytes > 3 * ChunkBytes, $"{name} has {bytes} bytes: too small to show chunking");

        Assert.Equal((bytes + ChunkBytes - 1) / ChunkBytes, await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.backup_chunks WHERE backup_id = @id AND name = @name", ("id", id), ("name", name)));
        Assert.Equal(ChunkBytes, await TestSql.CountAsync(fixture.Database,
            "SELECT MAX(length(content)) FROM sonia.backup_chunks WHERE backup_id = @id AND name = @name", ("id", id), ("name", name)));
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.backup_artifacts WHERE backup_id = @id AND content IS NOT NULL", ("id", id)));
        var content = await BackupsClient.ContentAsync(fixture.Database, id, name);
        Assert.Equal(bytes, content!.Length);
        Assert.Equal(await ManifestDigestAsync(id, name), Convert.ToHexStringLower(SHA256.HashData(content)));

        var verification = await VerifyAsync(id);
        Assert.True(verification.GetProperty("passed").GetBoolean(), verification.ToString());
    }

    [Fact]
    public async Task Verify_AMissingChunk_FailsNamingTheArtifact()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        var (name, _) = await LargestAsync(id);
        await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.backup_chunks WHERE backup_id = @id AND name = @name AND seq = 1",
            ("id", id), ("name", name));

        var verification = await VerifyAsync(id);

        AssertFailsNaming(verification, name);
    }

    [Fact]
    public async Task Verify_TwoChunksSwapped_FailsNamingTheArtifact()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        var (name, _) = await LargestAsync(id);
        // Every byte is still stored, two chunks in each other's place.
        foreach (var (from, to) in new[] { (0, -1), (1, 0), (-1, 1) })
        {
            await TestSql.ScalarAsync(fixture.Database,
                "UPDATE sonia.backup_chunks SET seq = @to WHERE backup_id = @id AND name = @name AND seq = @from",
                ("id", id), ("name", name), ("from", from), ("to", to));
        }

        var verification = await VerifyAsync(id);

        AssertFailsNaming(verification, name);
    }

    [Fact]
    public async Task Verify_ABackupStoredInArtifactRows_AsBeforeMigration0010_StillPassesAndExportsOfflineVerifiable()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        // What a Sonia before migration 0010 stored: each artifact's content in its own row, no chunk.
        await TestSql.ScalarAsync(fixture.Database,
            $"UPDATE sonia.backup_artifacts a SET content = {BackupsClient.StoredContent} WHERE a.backup_id = @id",
            ("id", id));
        await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.backup_chunks WHERE backup_id = @id", ("id", id));

        var verification = await VerifyAsync(id);

        Assert.True(verification.GetProperty("passed").GetBoolean(), verification.ToString());
        Assert.True(verification.GetProperty("test_restore").GetProperty("passed").GetBoolean());
        var zip = Path.Combine(fixture.DataPath, $"{id}.zip");
        Directory.CreateDirectory(fixture.DataPath);
        using (var response = await fixture.Http.GetAsync($"/v1/backups/{id}/export"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await File.WriteAllBytesAsync(zip, await response.Content.ReadAsByteArrayAsync());
        }

        var (exit, output) = await Shell.RunAsync(Path.Combine(Repo.Root, "deploy", "verify-backup.sh"), [zip]);
        Assert.True(exit == 0, output);
    }

    private async Task<JsonElement> VerifyAsync(string id)
    {
        var (status, verification) = await _backups.GetAsync($"/v1/backups/{id}/verify");
        Assert.Equal(HttpStatusCode.OK, status);
        return verification;
    }

    private static void AssertFailsNaming(JsonElement verification, string name)
    {
        Assert.False(verification.GetProperty("passed").GetBoolean());
        var failed = Assert.Single(verification.GetProperty("artifacts").EnumerateArray(), a => !a.GetProperty("passed").GetBoolean());
        Assert.Equal(name, failed.GetProperty("name").GetString());
        // Both the application's digest and the database's differ from the manifest, and agree with each other.
        Assert.NotEqual(failed.GetProperty("sha256_manifest").GetString(), failed.GetProperty("sha256_db").GetString());
        Assert.Equal(failed.GetProperty("sha256_db").GetString(), failed.GetProperty("sha256_app").GetString());
        Assert.Contains(verification.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains($"{name} changed"));
    }

    private async Task<(string Name, long Bytes)> LargestAsync(string id)
    {
        var name = (string)(await TestSql.ScalarAsync(fixture.Database,
            "SELECT name FROM sonia.backup_artifacts WHERE backup_id = @id ORDER BY bytes DESC, name LIMIT 1", ("id", id)))!;
        return (name, await TestSql.CountAsync(fixture.Database,
            "SELECT bytes FROM sonia.backup_artifacts WHERE backup_id = @id AND name = @name", ("id", id), ("name", name)));
    }

    private async Task<string> ManifestDigestAsync(string id, string name) => ((string)(await TestSql.ScalarAsync(fixture.Database,
        "SELECT sha256 FROM sonia.backup_artifacts WHERE backup_id = @id AND name = @name", ("id", id), ("name", name)))!).Trim();
}
