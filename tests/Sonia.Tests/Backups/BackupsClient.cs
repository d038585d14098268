using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>Takes backups through the gateway and reads what they stored.</summary>
public sealed class BackupsClient(HttpClient http)
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    /// <summary>POSTs a backup (202 expected) and waits until it has finished; returns its last view.</summary>
    public async Task<JsonElement> CreateAsync(string? label = null)
    {
        using var response = await http.PostAsJsonAsync("/v1/backups", new { label });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return await WaitAsync(body.GetProperty("backup_id").GetString()!);
    }

    public async Task<JsonElement> WaitAsync(string backupId) => await Eventually.ResultAsync(
        () => http.GetFromJsonAsync<JsonElement>($"/v1/backups/{backupId}"), Settle, b => b.GetProperty("status").GetString() != "running");

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object? body = null)
    {
        using var response = await http.PostAsJsonAsync(path, body ?? new { });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>
    /// One artifact's stored bytes, straight from the database: its chunks in order, or its row's content (a backup from before
    /// migration 0010); null when there is no such artifact.
    /// </summary>
    public static async Task<byte[]?> ContentAsync(DatabaseOptions database, string backupId, string name) =>
        (byte[]?)await TestSql.ScalarAsync(database,
            $"SELECT {StoredContent} FROM sonia.backup_artifacts a WHERE a.backup_id = @id AND a.name = @name",
            ("id", backupId), ("name", name));

    /// <summary>The SQL of the stored bytes of the artifact row <c>a</c>: its own content, or its chunks concatenated in order.</summary>
    public const string StoredContent =
        "COALESCE(a.content, (SELECT string_agg(k.content, ''::bytea ORDER BY k.seq) FROM sonia.backup_chunks k " +
        "WHERE k.backup_id = a.backup_id AND k.name = a.name), ''::bytea)";

    /// <summary>The stored lines of one artifact, straight from the database.</summary>
    public static async Task<string[]> LinesAsync(DatabaseOptions database, string backupId, string name)
    {
        var content = await ContentAsync(database, backupId, name);
        Assert.NotNull(content);
        return System.Text.Encoding.UTF8.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>One column's value in one line of the table artifact <paramref name="artifact"/>.</summary>
    public static string Text(string line, string artifact, string column) => Sonia.Grains.Backups.CanonicalRows.Text(line,
        Sonia.Grains.Backups.BackupTables.All("public.orleansstorage").Single(t => t.Artifact == artifact).Columns, column)!;
}
