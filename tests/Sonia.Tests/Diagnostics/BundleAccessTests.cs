using System.Net;
using Sonia.Tests.Infrastructure;
using Sonia.Tests.Security;

namespace Sonia.Tests.Diagnostics;

/// <summary>Issue 11: a bundle is for operators; the export script sends the key from the environment and says when refused.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class BundleAccessTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task Bundle_NeedsAnOperatorKey_AndTheScriptSendsTheOneInSoniaApiKey()
    {
        await using var gateway = await SecuredGateway.StartAsync(fixture);
        var script = Path.Combine(Repo.Root, "deploy", "export-incident-bundle.sh");
        var output = Path.Combine(gateway.DataPath, "incident.zip");
        string[] args = [script, "--url", gateway.BaseAddress.ToString(), "--window-minutes", "5", "--out", output];

        using var client = gateway.As("client-a");
        using var refused = await client.GetAsync("/v1/diagnostics/bundle?window_minutes=5");
        var (clientCode, clientText) = await Shell.RunAsync("bash", args, env: Key(gateway, "client-a"));
        var (opsCode, opsText) = await Shell.RunAsync("bash", args, env: Key(gateway, "ops-1"));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(1, clientCode);
        Assert.True(clientText.Contains("answered 403", StringComparison.Ordinal), clientText);
        Assert.True(opsCode == 0, opsText);
        Assert.True(File.Exists(output));
        Assert.DoesNotContain(gateway.Keys["ops-1"], opsText, StringComparison.Ordinal);
        var metadata = (await BundleDownload.FetchAsync(gateway.As("ops-2"), 5)).Metadata;
        Assert.Equal("ops-2", metadata.GetProperty("requested_by").GetString());
    }

    private static Dictionary<string, string> Key(SecuredGateway gateway, string name) => new() { ["SONIA_API_KEY"] = gateway.Keys[name] };
}
