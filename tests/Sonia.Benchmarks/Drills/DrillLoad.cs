using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sonia.Benchmarks.Drills;

/// <summary>One answer to a submission: when it was sent and answered, its status (0: no HTTP answer) and its action id.</summary>
public sealed record Answer(DateTime Sent, DateTime Answered, int Status, string? ActionId);

/// <summary>
/// Clients submitting <c>t.fake</c> actions one after another until stopped (or until <c>limit</c> were accepted);
/// every answer is kept with its times, so a drill can say when service stopped and came back and which ids were accepted.
/// </summary>
public sealed class DrillLoad
{
    private readonly HttpClient _http;
    private readonly object _args;
    private readonly ConcurrentQueue<Answer> _answers = new();
    private int _accepted;

    public DrillLoad(HttpClient http, object args) => (_http, _args) = (http, args);

    public IReadOnlyCollection<Answer> Answers => _answers;

    public int Accepted => Volatile.Read(ref _accepted);

    public IReadOnlyList<string> AcceptedIds => _answers.Where(a => a.ActionId is not null).Select(a => a.ActionId!).ToList();

    /// <summary>One load holding the answers of both, for counting a drill's accepted actions together.</summary>
    public static DrillLoad Merged(DrillLoad first, DrillLoad second)
    {
        var merged = new DrillLoad(first._http, first._args) { _accepted = first.Accepted + second.Accepted };
        foreach (var answer in first._answers.Concat(second._answers))
        {
            merged._answers.Enqueue(answer);
        }

        return merged;
    }

    /// <summary>Runs <paramref name="clients"/> clients until <paramref name="stop"/>, or until <paramref name="limit"/> were accepted.</summary>
    public Task RunAsync(int clients, int limit, TimeSpan pause, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(() => ClientAsync(limit, pause, stop), CancellationToken.None)));

    /// <summary>The first answer with <paramref name="status"/> to a request sent after <paramref name="after"/>.</summary>
    public Answer? FirstAfter(DateTime after, int status) =>
        _answers.Where(a => a.Sent >= after && a.Status == status).MinBy(a => a.Answered);

    public Dictionary<string, int> StatusCounts() =>
        _answers.GroupBy(a => a.Status == 0 ? "no_answer" : a.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    private async Task ClientAsync(int limit, TimeSpan pause, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && Accepted < limit)
        {
            var sent = DateTime.UtcNow;
            int status;
            string? id = null;
            try
            {
                using var response = await _http.PostAsJsonAsync("v1/actions", new { tool = "t.fake", args = _args }, CancellationToken.None);
                status = (int)response.StatusCode;
                if (status == 202)
                {
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None));
                    id = body.RootElement.GetProperty("action_id").GetString();
                    Interlocked.Increment(ref _accepted);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                status = 0;
            }

            _answers.Enqueue(new Answer(sent, DateTime.UtcNow, status, id));
            try
            {
                await Task.Delay(pause, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Polls <paramref name="check"/> until it is true or <paramref name="limit"/> passes; seconds since <paramref name="from"/>, or null.</summary>
    public static async Task<double?> UntilAsync(Func<Task<bool>> check, TimeSpan limit, DateTime from)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            try
            {
                if (await check())
                {
                    return (DateTime.UtcNow - from).TotalSeconds;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Npgsql.NpgsqlException or JsonException)
            {
                // Not there yet: a process or the database is still coming back.
            }

            await Task.Delay(250);
        }

        return null;
    }
}
