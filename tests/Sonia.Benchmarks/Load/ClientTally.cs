namespace Sonia.Benchmarks.Load;

/// <summary>
/// What clients saw. Each client fills its own (no locks on the hot path); <see cref="Merge"/> adds them up.
/// Rates and latencies count only events inside the window; outcomes and errors count the whole run, warm-up and
/// drain included, because a valid run has none at any time.
/// </summary>
public sealed class ClientTally
{
    /// <summary>202 responses received inside the window.</summary>
    public int Accepted { get; set; }

    /// <summary>202s (accepted submissions) over the whole run, warm-up and drain included: the actions this run made.</summary>
    public int Started { get; set; }

    /// <summary>Actions observed <c>succeeded</c> inside the window.</summary>
    public int Succeeded { get; set; }

    /// <summary>Submit to 202, for the 202s received inside the window.</summary>
    public Latencies AcceptLatency { get; } = new();

    /// <summary>Submit to the poll that saw the action terminal, for those seen inside the window.</summary>
    public Latencies CompleteLatency { get; } = new();

    /// <summary>Terminal statuses other than succeeded, by status.</summary>
    public Dictionary<string, int> FailedOutcomes { get; } = [];

    /// <summary>HTTP errors (unexpected status codes, exceptions), by a short description.</summary>
    public Dictionary<string, int> Errors { get; } = [];

    /// <summary>Actions still not terminal when the drain time ran out.</summary>
    public int Unfinished { get; set; }

    /// <summary>GET requests sent, in the window: how hard polling leans on the gateway and the ledger reads.</summary>
    public int PollsInWindow { get; set; }

    public bool IsValid => FailedOutcomes.Count == 0 && Errors.Count == 0 && Unfinished == 0;

    public static void Count(Dictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;

    public static ClientTally Merge(IEnumerable<ClientTally> tallies)
    {
        var total = new ClientTally();
        foreach (var tally in tallies)
        {
            total.Accepted += tally.Accepted;
            total.Succeeded += tally.Succeeded;
            total.Started += tally.Started;
            total.Unfinished += tally.Unfinished;
            total.PollsInWindow += tally.PollsInWindow;
            total.AcceptLatency.AddAll(tally.AcceptLatency);
            total.CompleteLatency.AddAll(tally.CompleteLatency);
            foreach (var (key, count) in tally.FailedOutcomes)
            {
                total.FailedOutcomes[key] = total.FailedOutcomes.GetValueOrDefault(key) + count;
            }

            foreach (var (key, count) in tally.Errors)
            {
                total.Errors[key] = total.Errors.GetValueOrDefault(key) + count;
            }
        }

        return total;
    }
}
