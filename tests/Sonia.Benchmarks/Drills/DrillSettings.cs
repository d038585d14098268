using System.Globalization;

namespace Sonia.Benchmarks.Drills;

/// <summary>What <c>deploy/chaos-drill.sh</c> hands the driver: the throwaway PostgreSQL it started and where to write.</summary>
public sealed record DrillSettings(
    string OutDirectory,
    string ConnectionString,
    string PostgresDataDirectory,
    string PostgresBin,
    string PostgresServerOptions,
    string RepositoryRoot,
    bool Quick,
    IReadOnlySet<int> Drills)
{
    public const string Usage = """
        usage: Sonia.Benchmarks drill --out DIR --connection-string CS --pg-data DIR --pg-bin DIR --pg-options OPTS
                                      --repo DIR [--quick] [--drills 5,6,7,8]
        Runs chaos drills 5-8 of issue 13 against real silo and gateway processes; deploy/chaos-drill.sh starts the
        PostgreSQL it needs and calls this. Writes chaos-report.json and chaos-report.md into --out.
        """;

    public string SiloDll => Path.Combine(RepositoryRoot, "Silo/bin/Release/net10.0/Sonia.Silo.dll");

    public string GatewayDll => Path.Combine(RepositoryRoot, "Gateway/bin/Release/net10.0/Sonia.Gateway.dll");

    /// <summary>Actions submitted for drill 6 (~500 in flight at the kill; 100 with --quick).</summary>
    public int InFlightActions => Quick ? 100 : 500;

    /// <summary>How long the fault lasts in drills 5 and 7.</summary>
    public TimeSpan ExecutorOutage => TimeSpan.FromSeconds(Quick ? 8 : 20);

    public TimeSpan DatabaseOutage => TimeSpan.FromSeconds(Quick ? 5 : 10);

    public static DrillSettings Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var quick = false;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--quick")
            {
                quick = true;
                continue;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            values[args[i][2..]] = args[++i];
        }

        string Required(string name) => values.TryGetValue(name, out var v) && v.Length > 0
            ? v : throw new ArgumentException($"--{name} is required");
        var drills = values.TryGetValue("drills", out var list)
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToHashSet()
            : [5, 6, 7, 8];
        if (drills.Count == 0 || drills.Any(d => d is < 5 or > 8))
        {
            throw new ArgumentException("--drills takes numbers from 5 to 8");
        }

        return new DrillSettings(Path.GetFullPath(Required("out")), Required("connection-string"), Required("pg-data"),
            Required("pg-bin"), Required("pg-options"), Path.GetFullPath(Required("repo")), quick, drills);
    }
}
