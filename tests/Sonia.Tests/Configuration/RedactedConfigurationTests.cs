using Microsoft.Extensions.Configuration;
using Sonia.Hosting.Configuration;

namespace Sonia.Tests.Configuration;

public sealed class RedactedConfigurationTests
{
    private const string DbPassword = "pg-Pa55word-planted";
    private const string ApiKeyHash = "sha256:planted-hash-value";
    private const string OtlpHeaders = "api-key=planted-otlp-token";

    private static IConfiguration Planted() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Sonia:Database:ConnectionString"] = $"Host=127.0.0.1;Port=5432;Username=sonia;Password={DbPassword};Database=sonia",
        ["ConnectionStrings:Replica"] = $"Server=db;Database=sonia;User Id=sa;Password={DbPassword}",
        ["Sonia:Auth:Keys:ops:Hash"] = ApiKeyHash,
        ["Sonia:Router:ApiKey"] = "sk-planted-router-key",
        ["Sonia:Memory:BaseUrl"] = "https://bob:planted-url-pass@memory.example/",
        ["Sonia:Health:CheckInterval"] = "00:00:05",
        ["OTEL_EXPORTER_OTLP_HEADERS"] = OtlpHeaders,
        ["PATH"] = "/usr/bin",
        ["GITHUB_TOKEN"] = "ghp_planted_machine_token",
    }).Build();

    [Fact]
    public void Dump_HidesEverySecret_AndKeepsTheRest()
    {
        var redactor = new SecretRedactor();
        var dump = RedactedConfiguration.Dump(Planted(), redactor);
        var text = string.Join('\n', dump.Select(p => $"{p.Key}={p.Value}"));

        foreach (var secret in new[] { DbPassword, ApiKeyHash, "sk-planted-router-key", "planted-url-pass", OtlpHeaders, "ghp_planted" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        Assert.Equal("00:00:05", dump["Sonia:Health:CheckInterval"]);
        Assert.Contains("Host=127.0.0.1", dump["Sonia:Database:ConnectionString"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("bob:[redacted-secret-", dump["Sonia:Memory:BaseUrl"], StringComparison.Ordinal);
        Assert.False(dump.ContainsKey("PATH"), "machine environment outside Sonia's sections is left out");
    }

    [Fact]
    public void Dump_GivesTheSameSecretTheSamePlaceholder()
    {
        var redactor = new SecretRedactor();
        var dump = RedactedConfiguration.Dump(Planted(), redactor);

        var placeholder = redactor.Placeholder(DbPassword);
        Assert.Contains(placeholder, dump["Sonia:Database:ConnectionString"], StringComparison.Ordinal);
        Assert.Contains(placeholder, dump["ConnectionStrings:Replica"], StringComparison.Ordinal);
        Assert.NotEqual(placeholder, redactor.Placeholder(ApiKeyHash));
    }

    [Fact]
    public void Scrub_ReplacesKnownSecretsInFreeText()
    {
        var redactor = new SecretRedactor();
        RedactedConfiguration.Dump(Planted(), redactor);

        var line = $"{{\"msg\":\"login failed for password {DbPassword}\",\"level\":\"on\"}}";
        var scrubbed = redactor.Scrub(line);

        Assert.DoesNotContain(DbPassword, scrubbed, StringComparison.Ordinal);
        Assert.Contains(redactor.Placeholder(DbPassword), scrubbed, StringComparison.Ordinal);
        Assert.Contains("\"level\":\"on\"", scrubbed, StringComparison.Ordinal);
    }
}
