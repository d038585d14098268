using System.Globalization;
using System.Net;
using Npgsql;

namespace Sonia.Benchmarks.Load;

/// <summary>The options of the <c>load</c> command. Everything has a default, so <c>load</c> alone is a valid run.</summary>
public sealed record LoadOptions
{
    public const string Usage = """
        usage: Sonia.Benchmarks load [--clients N] [--seconds S] [--warmup S] [--poll-ms MS] [--wait-ms MS]
                                     [--mode http|cluster|both] [--peers [--peers-n N] [--peers-script PATH]]
                                     [--no-ceiling] [--ledger-writers N] [--rate R]
                                     [--url http://127.0.0.1:PORT --pg "CONNECTION STRING" [--orleans-port PORT]
                                      [--silo-metrics http://127.0.0.1:PORT/metrics]]

          --clients N          concurrent clients, each submitting an echo action and polling it to its end (default 32)
          --seconds S          measured duration of the load, and of each commit-ceiling run (default 20)
          --warmup S           unmeasured load before the window (default 30: a fresh silo's JIT settles);
                               the ceiling gets its own 1 s warm-up
          --poll-ms MS         delay between two polls of one action (default 5)
          --wait-ms MS         ask each poll to wait up to MS for the action to end (GET ?wait_ms=; default 0:
                               plain polling)
          --mode M             http (default): clients over HTTP through the gateway; cluster: the same actions
                               submitted and awaited by an Orleans client in this process (AcceptAsync, WaitAsync),
                               no HTTP; both: http, then cluster on the same Sonia (cluster warm-up: 10 s at most)
          --peers              after Sonia's run and stop, run the peer benchmarks (../shared/peers/run.sh next to the
                               repository: raw INSERTs, Wolverine, Hangfire) and print Sonia's ratios to them
          --peers-n N          jobs per peer (default 20000, the script's own default)
          --peers-script PATH  the peers' run.sh, when it is not at ../shared/peers/run.sh
          --no-ceiling         skip the single-row commit ceiling runs (quicker before/after comparisons)
          --rate R             submit R actions/s in all (each client one every clients/R s; latencies count from the
                               scheduled time, so a stall shows in them); default 0: as fast as the clients can
          --ledger-writers N   the ledger's writer count: the connection count of the fair ceiling (default 2, the
                               silo's default); when this command starts Sonia it also starts the silo with it
          --url URL            target a running Sonia instead of starting one (loopback only); needs --pg
          --pg CS              Npgsql connection string of that Sonia's PostgreSQL (loopback only)
          --orleans-port PORT  that Sonia's Orleans client gateway port on 127.0.0.1: needed for --mode cluster, and
                               for the activation counts at the end (cluster id and service id 'sonia')
          --silo-metrics URL   that Sonia's silo Prometheus listener (up.sh prints it): the silo's GC over the window,
                               allocated bytes per action among them (a Sonia this driver starts has it known)

        Without --url: starts Sonia with deploy/up.sh --detach on a fresh temporary data folder and free ports,
        and stops it with deploy/down.sh at the end, whatever happens.
        """;

    public int Clients { get; init; } = 32;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Long enough for the tiered JIT of a fresh silo and gateway to settle: on the 2-core machine it keeps
    /// recompiling hot methods for 20 to 30 s under this load, and the rate roughly doubles in that time.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan PollDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Long-poll: each GET waits up to this long for the action to end (0: plain polling).</summary>
    public int WaitMs { get; init; }

    public int LedgerWriters { get; init; } = 2;

    /// <summary>Actions/s submitted by all clients together; 0: each client starts its next action at once.</summary>
    public int Rate { get; init; }

    /// <summary>The pause between two starts of one client at <see cref="Rate"/>; zero when not paced.</summary>
    public TimeSpan Pace => Rate > 0 ? TimeSpan.FromSeconds((double)Clients / Rate) : TimeSpan.Zero;

    public LoadMode Mode { get; init; } = LoadMode.Http;

    public bool Peers { get; init; }

    public int PeersJobs { get; init; } = 20_000;

    public string? PeersScript { get; init; }

    public bool Ceiling { get; init; } = true;

    public int? OrleansPort { get; init; }

    /// <summary>What each in-cluster <c>WaitAsync</c> waits for: <see cref="WaitMs"/>, or 10 s when the HTTP run polls.</summary>
    public int ClusterWaitMs => WaitMs > 0 ? WaitMs : 10_000;

    /// <summary>True when <c>--ledger-writers</c> was given: only then is the silo started with a non-default count.</summary>
    public bool LedgerWritersGiven { get; init; }

    public Uri? Url { get; init; }

    public string? PostgresConnectionString { get; init; }

    public Uri? SiloMetrics { get; init; }

    /// <summary>Parses <paramref name="args"/> (after the word <c>load</c>); throws <see cref="ArgumentException"/> with a one-line reason.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"option {name} needs a value");
            options = name switch
            {
                "--clients" => options with { Clients = Int(name, Value(), 1, 1024) },
                "--seconds" => options with { Duration = TimeSpan.FromSeconds(Int(name, Value(), 1, 3600)) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Int(name, Value(), 0, 600)) },
                "--poll-ms" => options with { PollDelay = TimeSpan.FromMilliseconds(Int(name, Value(), 0, 10_000)) },
                "--wait-ms" => options with { WaitMs = Int(name, Value(), 0, 20_000) },
                "--rate" => options with { Rate = Int(name, Value(), 0, 100_000) },
                "--ledger-writers" => options with { LedgerWriters = Int(name, Value(), 1, 64), LedgerWritersGiven = true },
                "--mode" => options with { Mode = ModeOf(Value()) },
                "--peers" => options with { Peers = true },
                "--peers-n" => options with { PeersJobs = Int(name, Value(), 100, 1_000_000) },
                "--peers-script" => options with { PeersScript = Value() },
                "--no-ceiling" => options with { Ceiling = false },
                "--orleans-port" => options with { OrleansPort = Int(name, Value(), 1, 65535) },
                "--url" => options with { Url = LoopbackUrl(Value(), name) },
                "--pg" => options with { PostgresConnectionString = LoopbackPostgres(Value()) },
                "--silo-metrics" => options with { SiloMetrics = LoopbackUrl(Value(), name) },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }

        if ((options.Url is null) != (options.PostgresConnectionString is null))
        {
            throw new ArgumentException("--url and --pg go together: the ceiling is measured against the target's own PostgreSQL");
        }

        if (options.SiloMetrics is not null && options.Url is null)
        {
            throw new ArgumentException("--silo-metrics goes with --url: a Sonia this driver starts has its silo's metrics known");
        }

        if (options.OrleansPort is not null && options.Url is null)
        {
            throw new ArgumentException("--orleans-port goes with --url: a Sonia this driver starts has its port known");
        }

        if (options.Url is not null && options.OrleansPort is null && options.Mode != LoadMode.Http)
        {
            throw new ArgumentException("--mode cluster or both against --url needs --orleans-port");
        }

        return options;
    }

    private static LoadMode ModeOf(string text) => text switch
    {
        "http" => LoadMode.Http,
        "cluster" => LoadMode.Cluster,
        "both" => LoadMode.Both,
        _ => throw new ArgumentException($"--mode must be http, cluster or both, not '{text}'"),
    };

    private static int Int(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name} must be an integer from {min} to {max}, not '{text}'");

    // Loopback only: this driver floods what it targets, so it must never be pointed at a shared or remote host.
    private static Uri LoopbackUrl(string text, string name) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttp && IsLoopback(url.Host)
            ? url
            : throw new ArgumentException($"{name} must be an http:// URL on a loopback address, not '{text}'");

    private static string LoopbackPostgres(string text)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"--pg is not a valid Npgsql connection string: {ex.Message}");
        }

        return builder.Host is { } host && host.Split(',').All(h => IsLoopback(h.Split(':')[0]))
            ? text
            : throw new ArgumentException("--pg must name a loopback Host (127.0.0.1, ::1 or localhost)");
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}

/// <summary>Which loads a run makes: over HTTP through the gateway, through an Orleans client in the driver, or both.</summary>
[Flags]
public enum LoadMode
{
    Http = 1,
    Cluster = 2,
    Both = Http | Cluster,
}
