using System.IO.Compression;
using System.Net;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>One changed byte, in an artifact row, in the manifest row or in an exported file, is caught and named.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class BackupTamperTests(SoniaClusterFixture fixture)
{
    private readonly BackupsClient _backups = new(fixture.Http);

    [Fact]
    public async Task Verify_ChangedArtifactByte_FailsAndNamesIt_AndRestoreIsRefused()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        await FlipByteAsync("UPDATE sonia.backup_artifacts SET content = set_byte(content, 2, get_byte(content, 2) # 1) " +
            "WHERE backup_id = @id AND name = 'schema_versions.jsonl'", id);

        var (status, verification) = await _backups.GetAsync($"/v1/backups/{id}/verify");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(verification.GetProperty("passed").GetBoolean());
        var failed = verification.GetProperty("artifacts").EnumerateArray().Where(a => !a.GetProperty("passed").GetBoolean()).ToList();
        Assert.Equal("schema_versions.jsonl", Assert.Single(failed).GetProperty("name").GetString());
        Assert.NotEqual(failed[0].GetProperty("sha256_manifest").GetString(), failed[0].GetProperty("sha256_db").GetString());
        Assert.Contains(verification.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("schema_versions.jsonl changed"));
        Assert.True(verification.GetProperty("manifest").GetProperty("passed").GetBoolean());

        var before = await DeadLetters.DeadLetterMaker.SoniaDigestAsync(fixture.Database);
        var (refused, problem) = await _backups.PostAsync($"/v1/backups/{id}/restore/dlq?dry_run=false");
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains("schema_versions.jsonl", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await DeadLetters.DeadLetterMaker.SoniaDigestAsync(fixture.Database));
    }

    [Fact]
    public async Task Verify_ChangedManifestByte_FailsAndNamesTheManifest()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
        await FlipByteAsync("UPDATE sonia.backups SET manifest = set_byte(manifest, 20, get_byte(manifest, 20) # 1) WHERE backup_id = @id", id);

        var (_, verification) = await _backups.GetAsync($"/v1/backups/{id}/verify");

        Assert.False(verification.GetProperty("passed").GetBoolean());
        Assert.False(verification.GetProperty("manifest").GetProperty("passed").GetBoolean());
        Assert.Contains(verification.GetProperty("problems").EnumerateArray(), p => p.GetString()!.StartsWith("manifest.json changed", StringComparison.Ordinal));
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
        Assert.Contains("ok: dead_letters.jsonl", okOutput, StringComparison.Ordinal);

        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Update))
        {
            var entry = archive.GetEntry("schema_versions.jsonl")!;
            byte[] content;
            using (var read = entry.Open())
            using (var copy = new MemoryStream())
            {
                await read.CopyToAsync(copy);
                content = copy.ToArray();
            }

            content[0] ^= 1;
            entry.Delete();
            using var write = archive.CreateEntry("schema_versions.jsonl").Open();
            await write.WriteAsync(content);
        }

        var (failed, output) = await Shell.RunAsync(script, [zip]);
        Assert.Equal(1, failed);
        Assert.Contains("FAILED: schema_versions.jsonl: sha256", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILED: dead_letters.jsonl", output, StringComparison.Ordinal);
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
