using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Diagnostics;

/// <summary>Issue 11: <c>GET /v1/diagnostics/bundle</c> against the shared two-silo cluster and its gateway.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class BundleTests(SoniaClusterFixture fixture)
{
    private const string PlantedSecret = "test-secret-api-key";

    private static readonly string[] Folders = ["health/", "breakers/", "dlq/", "actions/", "audit/", "logs/", "config/", "cluster/"];

    [Fact]
    public async Task Bundle_Unzipped_HoldsEveryFolder_TheWindowsRows_AndMetadata()
    {
        var actions = new ActionsClient(fixture.Http);
        var correlationId = $"bundle-{Guid.NewGuid():N}";
        var actionId = await actions.SubmitAcceptedAsync("echo", new { bundle = correlationId }, correlationId);
        await actions.WaitAsync(actionId);
        using var isolated = await fixture.Http.PostAsJsonAsync("/v1/breakers/t-isolated/isolate", new { reason = correlationId });
        Assert.Equal(HttpStatusCode.OK, isolated.StatusCode);
        await fixture.Http.PostAsJsonAsync("/v1/breakers/t-isolated/reset", new { reason = correlationId });

        var bundle = await BundleDownload.FetchAsync(fixture.Http, 60);

        Assert.Equal(HttpStatusCode.OK, bundle.Status);
        Assert.Equal("application/zip", bundle.ContentType);
        foreach (var folder in Folders)
        {
            Assert.True(bundle.Entries.Keys.Any(e => e.StartsWith(folder, StringComparison.Ordinal)),
                $"no {folder} in {string.Join(", ", bundle.Entries.Keys)}");
        }

        var metadata = bundle.Metadata;
        Assert.Empty(bundle.FailedCollectors);
        var bundleId = metadata.GetProperty("bundle_id").GetString()!;
        Assert.StartsWith("bnd_", bundleId);
        Assert.Contains(bundleId, bundle.FileName);
        Assert.Equal(60, metadata.GetProperty("window").GetProperty("minutes").GetInt32());
        // Embedded at build time: a commit from a git checkout, "unknown" from a source tree without one.
        var builtInGit = Directory.Exists(Path.Combine(Repo.Root, ".git")) || File.Exists(Path.Combine(Repo.Root, ".git"));
        Assert.Matches(builtInGit ? "^[0-9a-f]{40}$" : "^unknown$", metadata.GetProperty("git_commit").GetString());
        Assert.StartsWith("10.", metadata.GetProperty("orleans_version").GetString());
        Assert.Contains(".NET 10", metadata.GetProperty("dotnet_version").GetString());
        Assert.False(string.IsNullOrEmpty(metadata.GetProperty("correlation_id").GetString()));
        Assert.False(string.IsNullOrEmpty(metadata.GetProperty("requested_by").GetString()));

        // The window's rows: the action, its audit trail, and the operator's isolate and reset.
        Assert.Contains(bundle.Lines("actions/timeline.jsonl"), l => l.Contains(actionId, StringComparison.Ordinal));
        Assert.Contains(bundle.Lines("audit/action_audit.jsonl"), l => l.Contains(actionId, StringComparison.Ordinal));
        var operatorRows = bundle.Lines("audit/operator_audit.jsonl").Where(l => l.Contains(correlationId, StringComparison.Ordinal)).ToList();
        Assert.Contains(operatorRows, l => l.Contains("breaker.isolate", StringComparison.Ordinal));
        Assert.Contains(operatorRows, l => l.Contains("breaker.reset", StringComparison.Ordinal));
        Assert.True(bundle.Entries.ContainsKey("breakers/t-isolated.json"));
        Assert.Contains("\"silos\"", bundle.Entries["health/health.json"], StringComparison.Ordinal);

        // Both silos described, and their configuration with the gateway's: the package lock files too.
        Assert.Equal(2, JsonDocument.Parse(bundle.Entries["cluster/silos.json"]).RootElement.GetArrayLength());
        Assert.True(bundle.Entries.ContainsKey("config/gateway.json"));
        Assert.Contains("config/packages/Gateway.packages.lock.json", bundle.Entries.Keys);
        Assert.Contains("config/packages/Silo.packages.lock.json", bundle.Entries.Keys);
        Assert.Equal(File.Exists(Path.Combine(Repo.Root, "deploy", "dependencies.frozen.txt")),
            bundle.Entries.ContainsKey("config/dependencies.frozen.txt"));
    }

    [Fact]
    public async Task Bundle_Secrets_AreAbsentFromEveryFile_AndOneSecretHasOnePlaceholderEverywhere()
    {
        // A gateway of its own: the planted line must not reach the shared gateway's log folder, which other tests scan.
        var (gateway, logs, name) = await StartGatewayAsync();
        await using var _ = gateway;
        var marker = $"secret-line-{Guid.NewGuid():N}";
        BundleDownload.PlantLog(Path.Combine(logs, $"{name}_801.jsonl"),
            (DateTimeOffset.UtcNow.AddMinutes(-1), $"{marker} leaked key {PlantedSecret} in a message"));

        var bundle = await BundleDownload.FetchAsync(gateway.Http, 10);

        Assert.Equal(HttpStatusCode.OK, bundle.Status);
        foreach (var (entry, text) in bundle.Entries)
        {
            Assert.False(text.Contains(PlantedSecret, StringComparison.Ordinal), $"{entry} holds the planted secret");
        }

        const string key = "Sonia:Actions:Executors:fake:ApiKey";
        var configs = bundle.Entries
            .Where(e => e.Key.StartsWith("config/", StringComparison.Ordinal) && e.Key.EndsWith(".json", StringComparison.Ordinal))
            .Where(e => !e.Key.StartsWith("config/packages/", StringComparison.Ordinal))
            .Select(e => JsonDocument.Parse(e.Value).RootElement.GetProperty(key).GetString())
            .ToList();
        Assert.Equal(3, configs.Count); // the gateway and both silos
        var placeholder = Assert.Single(configs.Distinct());
        Assert.StartsWith("[redacted-secret-", placeholder);
        var line = Assert.Single(bundle.Lines($"logs/{name}/{name}_801.jsonl"));
        Assert.Contains($"leaked key {placeholder} in", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bundle_Logs_HoldEveryLineInsideTheWindow_AndNoneOutsideIt()
    {
        var (gateway, logs, name) = await StartGatewayAsync();
        await using var _ = gateway;
        var now = DateTimeOffset.UtcNow;
        var id = Guid.NewGuid().ToString("N");
        BundleDownload.PlantLog(Path.Combine(logs, $"{name}_802.jsonl"),
            (now.AddMinutes(-120), $"{id}-before"),
            (now.AddMinutes(-31), $"{id}-just-before"),
            (now.AddMinutes(-29), $"{id}-in-1"),
            (now.AddMinutes(-15), $"{id}-in-2"),
            (now.AddSeconds(-5), $"{id}-in-3"),
            (now.AddMinutes(30), $"{id}-after"));

        var bundle = await BundleDownload.FetchAsync(gateway.Http, 30);

        var lines = bundle.Lines($"logs/{name}/{name}_802.jsonl");
        Assert.Equal([$"{id}-in-1", $"{id}-in-2", $"{id}-in-3"], lines.Select(Message));
        // The gateway's live file is cut to the window too: every line in it is a complete line of the window.
        var from = bundle.Metadata.GetProperty("window").GetProperty("from").GetDateTimeOffset();
        Assert.All(bundle.Lines($"logs/{name}/{name}.jsonl"),
            l => Assert.True(JsonDocument.Parse(l).RootElement.GetProperty("ts").GetDateTimeOffset() >= from));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10081")]
    [InlineData("sixty")]
    public async Task Bundle_WindowOutOfBounds_Is400NamingWindowMinutes(string window)
    {
        using var response = await fixture.Http.GetAsync($"/v1/diagnostics/bundle?window_minutes={window}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("window_minutes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bundle_WithAnUnreadableLogFile_IsPartial_With200_AndNamesTheFailureInMetadata()
    {
        var (gateway, logs, name) = await StartGatewayAsync(("Sonia:IncidentBundle:MaxLinesPerLogFile", "2"));
        await using var _ = gateway;
        var data = Path.GetDirectoryName(logs)!;

        // Older rolled files, planted once the gateway writes its own (its sink resumes the highest-numbered file at start):
        // one that cannot be opened, its link pointing at nothing, and one with more lines in the window than the cap.
        File.CreateSymbolicLink(Path.Combine(logs, $"{name}_001.jsonl"), Path.Combine(data, "gone.jsonl"));
        var now = DateTimeOffset.UtcNow;
        BundleDownload.PlantLog(Path.Combine(logs, $"{name}_002.jsonl"),
            [.. Enumerable.Range(1, 5).Select(i => (now.AddMinutes(-10 + i), $"capped-{i}"))]);

        var bundle = await BundleDownload.FetchAsync(gateway.Http, 60);

        Assert.Equal(HttpStatusCode.OK, bundle.Status);
        var failure = Assert.Single(bundle.Metadata.GetProperty("failed_collectors").EnumerateArray());
        Assert.Equal($"logs/{name}/{name}_001.jsonl", failure.GetProperty("name").GetString());
        Assert.Contains("FileNotFound", failure.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(bundle.Entries.ContainsKey("health/health.json"));

        // The cap keeps the newest lines and says it cut.
        Assert.Equal(["capped-4", "capped-5"],
            bundle.Lines($"logs/{name}/{name}_002.jsonl").Select(Message));
        var summary = bundle.Metadata.GetProperty("logs").EnumerateArray()
            .Single(l => l.GetProperty("file").GetString() == $"{name}_002.jsonl");
        Assert.Equal(5, summary.GetProperty("lines_in_window").GetInt32());
        Assert.Equal(2, summary.GetProperty("lines_kept").GetInt32());
        Assert.True(summary.GetProperty("truncated").GetBoolean());
    }

    private static string? Message(string line) => JsonDocument.Parse(line).RootElement.GetProperty("msg").GetString();

    /// <summary>A second gateway of the shared cluster with its own data folder and name, so planted log files stay its own.</summary>
    private async Task<(TestGateway Gateway, string Logs, string Name)> StartGatewayAsync(params (string Key, string Value)[] extra)
    {
        var name = $"gateway-{Guid.NewGuid():N}"[..20];
        var data = Path.Combine(Path.GetTempPath(), $"sonia-bundle-{Guid.NewGuid():N}");
        var settings = fixture.GatewaySettings();
        settings["Sonia:DataPath"] = data;
        settings["Sonia:Gateway:Name"] = name;
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var gateway = await TestClusters.StartGatewayAsync(settings);
        var logs = Path.Combine(data, "logs");
        Directory.CreateDirectory(logs);
        return (gateway, logs, name);
    }
}
