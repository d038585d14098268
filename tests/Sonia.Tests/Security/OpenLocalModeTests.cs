using Microsoft.Extensions.Configuration;
using Sonia.Gateway;
using Sonia.Gateway.Security;
using Sonia.Hosting.Cluster;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>No keys: open on loopback (everyone is admin 'local'), refused anywhere else; bad key settings stop start-up.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class OpenLocalModeTests(SoniaClusterFixture fixture)
{
    [Theory]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://127.0.0.1:5080;http://10.1.2.3:5080")]
    public void NoKeys_OnANonLoopbackAddress_RefusesToStart_SayingWhy(string urls)
    {
        var settings = fixture.GatewaySettings();
        settings["Urls"] = urls;

        var error = Assert.Throws<StartupException>(() => GatewayApp.Build([], b => b.Configuration.AddInMemoryCollection(settings)));

        Assert.Contains("no API keys are configured", error.Message, StringComparison.Ordinal);
        Assert.Contains("not loopback", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://192.168.1.5:5080", false)]
    public void Loopback_IsRecognised(string url, bool loopback) => Assert.Equal(loopback, OpenLocalMode.IsLoopback(url));

    [Fact]
    public async Task NoKeys_OnLoopback_RunsOpen_AsAdminNamedLocal_AndSaysSo()
    {
        var settings = fixture.GatewaySettings();
        settings["Sonia:DataPath"] = Path.Combine(Path.GetTempPath(), $"sonia-open-{Guid.NewGuid():N}");
        await using var app = GatewayApp.Build([], b => b.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var dlq = await http.GetAsync("/v1/dlq");
        await app.StopAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, dlq.StatusCode);
        var logs = string.Concat(Directory.GetFiles(Path.Combine(settings["Sonia:DataPath"]!, "logs")).Select(File.ReadAllText));
        Assert.Contains("Open local mode", logs, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Role", "superuser", "Role must be one of")]
    [InlineData("Hash", "plain-text-key", "Hash must have the form")]
    [InlineData("Hash", "pbkdf2-sha256:10:00112233445566778899aabbccddeeff:00", "iteration count")]
    public void BadKeySetting_StopsStartUp_NamingTheKeyButNotTheHash(string field, string value, string expected)
    {
        var settings = fixture.GatewaySettings();
        settings["Sonia:Auth:Keys:ops:Role"] = SoniaRoles.Operator;
        settings["Sonia:Auth:Keys:ops:Hash"] = ApiKeyHasher.Hash("k", ApiKeyHasher.MinIterations);
        settings[$"Sonia:Auth:Keys:ops:{field}"] = value;

        var error = Assert.Throws<StartupException>(() => GatewayApp.Build([], b => b.Configuration.AddInMemoryCollection(settings)));

        Assert.Contains("Sonia:Auth:Keys:ops", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        if (field == "Hash")
        {
            Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HashKeyScript_PrintsAHashTheGatewayAccepts()
    {
        var script = Path.Combine(Repo.Root, "deploy", "hash-key.sh");
        var key = $"sk-{Guid.NewGuid():N}";
        var input = Path.Combine(Path.GetTempPath(), $"key-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(input, key + "\n");
        try
        {
            var (exit, output) = await Shell.RunAsync("bash", ["-c", $"'{script}' --iterations 1000 < '{input}'"]);

            Assert.Equal(0, exit);
            var hash = ApiKeyHasher.Parse(output.Trim(), out var problem);
            Assert.True(hash is not null, problem);
            Assert.True(hash.Matches(System.Text.Encoding.UTF8.GetBytes(key)));
            Assert.False(hash.Matches(System.Text.Encoding.UTF8.GetBytes(key + "x")));
            Assert.DoesNotContain(key, output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(input);
        }
    }
}
