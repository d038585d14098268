using System.IO.Compression;
using System.Net;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>One changed byte, in an artifact's chunk, in the manifest row or in an exported file, is caught and named.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class BackupTamperTests(SoniaClusterFixture fixture)
{
    private readonly BackupsClient _backups = new(fixture.Http);

    [Fact]
    public async Task Verify_ChangedArtifactByte_FailsAndNamesIt_AndRestoreIsRefused()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        await FlipByteAsync("UPDATE sonia.backup_chunks SET content = set_byte(content, 2, get_byte(content, 2) # 1) " +
            "WHERE backup_id = @id AND name = 'schema_versions.tsv' AND seq = 0", id);

        var (status, verification) = await _backups.GetAsync($"/v1/backups/{id}/verify");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(verification.GetProperty("passed").GetBoolean());
        var failed = verification.GetProperty("artifacts").EnumerateArray().Where(a => !a.GetProperty("passed").GetBoolean()).ToList();
        Assert.Equal("schema_versions.tsv", Assert.Single(failed).GetProperty("name").GetString());
        Assert.NotEqual(failed[0].GetProperty("sha256_manifest").GetString(), failed[0].GetProperty("sha256_db").GetString());
        Assert.Contains(verification.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("schema_versions.tsv changed"));
        Assert.True(verification.GetProperty("manifest").GetProperty("passed").GetBoolean());

        var before = await DeadLetters.DeadLetterMaker.SoniaDigestAsync(fixture.Database);
        var (refused, problem) = await _backups.PostAsync($"/v1/backups/{id}/restore/dlq?dry_run=false");
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains("schema_versions.tsv", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await DeadLetters.DeadLetterMaker.SoniaDigestAsync(fixture.Database));
    }

    [Fact]
    public async Task Verify_BrokenRowInARestoredArtifact_FailsNamingIt_HashesItWhole_AndLeavesNoScratchSchema()
    {
        var seed = new DeadLetters.DeadLetterSeed(fixture.Database, "echo", 3, DateTimeOffset.UtcNow.AddDays(-1));
        await seed.InsertAsync();
        try
        {
            var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
            // A tab inside the first value: one field too many, so the test restore's COPY refuses the row.
            await FlipByteAsync("UPDATE sonia.backup_chunks SET content = set_byte(content, 2, 9) " +
                "WHERE backup_id = @id AND name = 'dead_letters.tsv' AND seq = 0", id);

            var (status, verification) = await _backups.GetAsync($"/v1/backups/{id}/verify");

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.False(verification.GetProperty("passed").GetBoolean());
            var failed = Assert.Single(verification.GetProperty("artifacts").EnumerateArray(), a => !a.GetProperty("passed").GetBoolean());
            Assert.Equal("dead_letters.tsv", failed.GetProperty("name").GetString());
            // The application read the artifact to its end although the load stopped: its digest is the database's.
            Assert.Equal(failed.GetProperty("sha256_db").GetString(), failed.GetProperty("sha256_app").GetString());
            var restore = verification.GetProperty("test_restore");
            Assert.False(restore.GetProperty("passed").GetBoolean());
            Assert.Contains("dead_letters.tsv", restore.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, await TestSql.CountAsync(fixture.Database,
                "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE 'sonia_verify%'"));
        }
        finally
        {
            await seed.DeleteAsync();
        }
    }

    [Fact]
    public async Task Verify_BackupInTheOlderFormat_IsRefusedClearly_AndSoIsItsRestore()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        // What a Sonia of format sonia-backup/1 stored (its own, consistent manifest digest included).
        await FlipByteAsync("UPDATE sonia.backups SET manifest = convert_to(replace(convert_from(manifest, 'UTF8'), " +
            "'\"sonia-backup/3\"', '\"sonia-backup/1\"'), 'UTF8') WHERE backup_id = @id", id);
        await FlipByteAsync("UPDATE sonia.backups SET manifest_sha256 = encode(sha256(manifest), 'hex') WHERE backup_id = @id", id);

        var (_, verification) = await _backups.GetAsync($"/v1/backups/{id}/verify");
        var (refused, problem) = await _backups.PostAsync($"/v1/backups/{id}/restore/dlq?dry_run=true");

        Assert.False(verification.GetProperty("passed").GetBoolean());
        Assert.True(verification.GetProperty("manifest").GetProperty("passed").GetBoolean());
        Assert.All(verification.GetProperty("artifacts").EnumerateArray(), a => Assert.True(a.GetProperty("passed").GetBoolean()));
        Assert.Contains(verification.GetProperty("problems").EnumerateArray(), p =>
            p.GetString()!.StartsWith("the backup is in format sonia-backup/1; this Sonia test-restores and restores " +
                "sonia-backup/3 and sonia-backup/2 only", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains("sonia-backup/1", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ChangedManifestByte_FailsAndNamesTheManifest()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        await FlipByteAsync(
            "UPDATE sonia.backups SET manifest = set_byte(manifest, 20, get_byte(manifest, 20) # 1) WHERE backup_id = @id", id);

        var (_, verification) = await _backups.GetAsync($"/v1/backups/{id}/verify");

        Assert.False(verification.GetProperty("passed").GetBoolean());
        Assert.False(verification.GetProperty("manifest").GetProperty("passed").GetBoolean());
        Assert.Contains(verification.GetProperty("problems").EnumerateArray(),
            p => p.GetString()!.StartsWith("manifest.json changed", StringComparison.Ordinal));
        var history = (await _backups.GetAsync($"/v1/backups/{id}")).Body.GetProperty("verifications");
        Assert.False(history[history.GetArrayLength() - 1].GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task Export_VerifiesOffline_AndAChangedFileIsNamed()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        var zip = Path.Combine(fixture.DataPath, $"{id}.zip");
        Directory.CreateDirectory(fixture.DataPath);
        using (var response = await fixture.Http.GetAsync($"/v1/backups/{id}/export"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
            await File.WriteAllBytesAsync(zip, await response.Content.ReadAsByteArrayAsync());
        }

        var script = Path.Combine(Repo.Root, "deploy", "verify-backup.sh");
        var (ok, okOutput) = await Shell.RunAsync(script, [zip]);
        Assert.True(ok == 0, okOutput);
        Assert.Contains("ok: dead_letters.tsv", okOutput, StringComparison.Ordinal);

        // Unpacked and packed again with a zip tool, an export gains folder entries: they hold no bytes and are no artifact.
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Update))
        {
            archive.CreateEntry("config/");
            archive.CreateEntry("config/Silo/");
        }

        var (repacked, repackedOutput) = await Shell.RunAsync(script, [zip]);
        Assert.True(repacked == 0, repackedOutput);

        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Update))
        {
            // A file the manifest does not list is named, as is a changed one.
            using (var extra = new StreamWriter(archive.CreateEntry("config/extra.txt").Open()))
            {
                await extra.WriteAsync("not in the backup");
            }

            var entry = archive.GetEntry("schema_versions.tsv")!;
            byte[] content;
            using (var read = entry.Open())
            using (var copy = new MemoryStream())
            {
                await read.CopyToAsync(copy);
                content = copy.ToArray();
            }

            content[0] ^= 1;
            entry.Delete();
            using var write = archive.CreateEntry("schema_versions.tsv").Open();
            await write.WriteAsync(content);
        }

        var (failed, output) = await Shell.RunAsync(script, [zip]);
        Assert.Equal(1, failed);
        Assert.Contains("FAILED: schema_versions.tsv: sha256", output, StringComparison.Ordinal);
        Assert.Contains("FAILED: config/extra.txt: not in the manifest", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED: config/:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED: dead_letters.tsv", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyScript_NotAZip_ExitsTwoNamingTheFile()
    {
        Directory.CreateDirectory(fixture.DataPath);
        var bogus = Path.Combine(fixture.DataPath, "bogus.zip");
        await File.WriteAllTextAsync(bogus, "not a zip");

        var (exit, output) = await Shell.RunAsync(Path.Combine(Repo.Root, "deploy", "verify-backup.sh"), [bogus]);

        Assert.Equal(2, exit);
        Assert.Contains("bogus.zip", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyScript_Help_ExitsZero_AndNoArgument_ExitsTwo()
    {
        var script = Path.Combine(Repo.Root, "deploy", "verify-backup.sh");

        var (help, usage) = await Shell.RunAsync(script, ["--help"]);
        var (none, complaint) = await Shell.RunAsync(script, []);

        Assert.Equal(0, help);
        Assert.Contains("Usage: ./deploy/verify-backup.sh FILE.zip", usage, StringComparison.Ordinal);
        Assert.Equal(2, none);
        Assert.Contains("which file?", complaint, StringComparison.Ordinal);
    }

    private async Task FlipByteAsync(string sql, string id) => await TestSql.ScalarAsync(fixture.Database, sql, ("id", id));
}
