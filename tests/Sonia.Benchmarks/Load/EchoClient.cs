using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// One client: submits an auto-run <c>echo</c> action, polls it until it ends, and starts the next one, like a
/// caller that waits for each action's outcome. At most one request in flight, so N clients are N connections.
/// </summary>
public sealed class EchoClient(HttpClient http, MeasurementWindow window, TimeSpan pollDelay, Func<long> nextNumber, LoadProgress progress, int waitMs = 0)
    : LoadClient(window, progress)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <returns>The action id from the 202, or null after an error (counted).</returns>
    protected override async Task<string?> SubmitAsync(CancellationToken hardStop)
    {
        // No idempotency key: every request is a new action, which is what a load of distinct work looks like.
        var body = Encoding.UTF8.GetBytes("""{"tool":"echo","args":{"n":""" + nextNumber().ToString(CultureInfo.InvariantCulture) + "}}");
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        return await SendAsync("POST", new HttpRequestMessage(HttpMethod.Post, "v1/actions") { Content = content }, HttpStatusCode.Accepted, "action_id", hardStop);
    }

    /// <returns>The terminal status, or null after an error (counted).</returns>
    protected override async Task<string?> WaitUntilTerminalAsync(string actionId, CancellationToken hardStop)
    {
        var path = "v1/actions/" + actionId + (waitMs > 0 ? $"?wait_ms={waitMs}" : string.Empty);
        while (true)
        {
            CountRead();
            var status = await SendAsync("GET", new HttpRequestMessage(HttpMethod.Get, path), HttpStatusCode.OK, "status", hardStop);
            if (status is null || ActionStatuses.IsTerminal(status))
            {
                return status;
            }

            await Task.Delay(pollDelay, hardStop);
        }
    }

    /// <summary>Sends <paramref name="request"/>; returns the string property <paramref name="property"/> of the JSON answer, or null after an error (counted).</summary>
    private async Task<string?> SendAsync(string verb, HttpRequestMessage request, HttpStatusCode expected, string property, CancellationToken hardStop)
    {
        using (request)
        {
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, hardStop);
                if (response.StatusCode != expected)
                {
                    ClientTally.Count(Tally.Errors, $"{verb} answered {(int)response.StatusCode}");
                    return null;
                }

                await using var stream = await response.Content.ReadAsStreamAsync(hardStop);
                using var document = await JsonDocument.ParseAsync(stream, cancellationToken: hardStop);
                if (document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString();
                }

                ClientTally.Count(Tally.Errors, $"{verb} answer without {property}");
                return null;
            }
            catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or IOException)
            {
                // TaskCanceledException without hardStop is HttpClient.Timeout.
                var what = ex is TaskCanceledException ? "timed out" : $"failed: {ex.GetType().Name} {ex.Message}";
                ClientTally.Count(Tally.Errors, $"{verb} {what}");
                return null;
            }
        }
    }
}
