using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>
/// Plants known secrets in configuration (a connection-string password, API keys and their hashes, an executor
/// token), calls every endpoint with every kind of caller and bad input, and finds none of them in any response
/// or log line.
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class SecretHygieneTests(SoniaClusterFixture fixture)
{
    /// <summary>The shared cluster's HTTP executor token (see <see cref="SoniaClusterFixture"/>).</summary>
    private const string ExecutorToken = "test-secret-api-key";

    [Fact]
    public async Task PlantedSecrets_NeverAppearInResponsesOrLogs()
    {
        var dbPassword = $"planted-db-pw-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>
        {
            ["Sonia:Database:ConnectionString"] = fixture.Database.ConnectionString + $";Password={dbPassword}",
        };
        var gateway = await SecuredGateway.StartAsync(fixture, settings);
        var outputs = new StringBuilder();
        var secrets = new List<string> { dbPassword, ExecutorToken };
        secrets.AddRange(gateway.Keys.Values);
        secrets.AddRange(gateway.Keys.Keys.Select(name => gateway.App.Configuration[$"Sonia:Auth:Keys:{name}:Hash"]!.Split(':')[3]));

        try
        {
            // Real work that uses the executor token and the database: an HTTP action that dead-letters.
            var ops = new ActionsClient(gateway.As("root"));
            var id = await ops.SubmitAcceptedAsync("t.http", new { mode = "flaky", fail_first = 3, marker = Guid.NewGuid().ToString("N") });
            outputs.Append((await ops.WaitAsync(id)).ToString());

            var callers = new List<HttpClient> { gateway.As(null), gateway.WithBearer("sk-not-a-key"), gateway.WithBearer(new string('k', 300)) };
            callers.AddRange(gateway.Keys.Keys.Select(gateway.As));
            var endpoints = ((IEndpointRouteBuilder)gateway.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
            foreach (var endpoint in endpoints)
            {
                foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                {
                    foreach (var path in Paths(endpoint))
                    {
                        foreach (var (caller, body) in callers.SelectMany(c => Bodies(method).Select(b => (c, b))))
                        {
                            using var request = new HttpRequestMessage(new HttpMethod(method), path);
                            if (body is not null)
                            {
                                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                            }

                            using var response = await caller.SendAsync(request);
                            outputs.Append(response.StatusCode).Append(' ').Append(response.Headers).Append(response.Content.Headers)
                                .AppendLine(await response.Content.ReadAsStringAsync());
                        }
                    }
                }
            }
        }
        finally
        {
            // Stopping flushes the log files.
            outputs.Append(await gateway.StopAndReadLogsAsync());
            await gateway.DisposeAsync();
        }

        outputs.Append(await ReadFolderAsync(Path.Combine(fixture.DataPath, "logs")));
        var text = outputs.ToString();
        Assert.Contains("Access refused (401)", text, StringComparison.Ordinal);
        Assert.Contains("Access refused (403)", text, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a planted secret ({secret[..6]}…) appeared in the output");
        }
    }

    /// <summary>The endpoint's route with unknown but well-formed ids, and with hostile ones.</summary>
    private static IEnumerable<string> Paths(RouteEndpoint endpoint)
    {
        var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
        yield return Fill(pattern, name => name switch
        {
            "actionId" => ActionIds.New(),
            "dlqId" => DeadLetterIds.New(),
            "jobId" => DeadLetterIds.NewJob(),
            "sessionId" => SessionIds.New(),
            "documentName" => "v1",
            _ => "t-secrets-none",
        });
        if (endpoint.RoutePattern.Parameters.Count > 0)
        {
            yield return Fill(pattern, _ => Uri.EscapeDataString("../' OR 1=1;--\u202e"));
        }

        yield return pattern.Split('{')[0] + "?last_n=-1&status=%27&since=not-a-date&dry_run=maybe";
    }

    private static string Fill(string pattern, Func<string, string> value)
    {
        var result = pattern;
        while (result.IndexOf('{') is var start and >= 0)
        {
            var end = result.IndexOf('}', start);
            result = result[..start] + value(result[(start + 1)..end].Split(':')[0]) + result[(end + 1)..];
        }

        return result;
    }

    private static IEnumerable<string?> Bodies(string method) => method == "GET" ? [null] : [null, "{}", "{\"tool\":", "{\"reason\":\"r\",\"args_hash\":\"zz\",\"ids\":[\"x\"]}"];

    private static async Task<string> ReadFolderAsync(string folder)
    {
        var text = new StringBuilder();
        foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder, "*.jsonl") : [])
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            text.Append(await reader.ReadToEndAsync());
        }

        return text.ToString();
    }
}
