namespace Sonia.Benchmarks.Drills;

/// <summary>
/// <c>drill</c>: chaos drills 5-8 of issue 13, run by <c>deploy/chaos-drill.sh</c>. The fake executor runs in this
/// process (it counts side effects per idempotency key); silos and gateway are processes this command starts and kills.
/// </summary>
public static class DrillCommand
{
    public const string Name = "drill";

    /// <returns>0 when every drill passed, 1 when one failed, 2 for bad arguments.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        DrillSettings settings;
        try
        {
            if (args.Contains("--help") || args.Contains("-h"))
            {
                Console.WriteLine(DrillSettings.Usage);
                return 0;
            }

            settings = DrillSettings.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"drill: {ex.Message}");
            Console.Error.WriteLine(DrillSettings.Usage);
            return 2;
        }

        await using var executor = await Tests.Infrastructure.FakeExecutor.StartAsync();
        var drills = new ChaosDrills(settings, executor);
        var results = new List<DrillResult>();
        try
        {
            // One single-silo cluster serves 5, 7 and 8 (8 restarts its silo, so it comes last); 6 needs three silos.
            if (settings.Drills.Overlaps([5, 7, 8]))
            {
                await using var single = await drills.StartClusterAsync("single", 1);
                if (settings.Drills.Contains(5))
                {
                    results.Add(await drills.ExecutorDownAsync(single));
                }

                if (settings.Drills.Contains(7))
                {
                    results.Add(await drills.DatabaseDownAsync(single));
                }

                if (settings.Drills.Contains(8))
                {
                    results.Add(await drills.SingleSiloRestartAsync(single));
                }
            }

            if (settings.Drills.Contains(6))
            {
                await using var three = await drills.StartClusterAsync("three", 3);
                results.Add(await drills.SiloKilledAsync(three));
            }
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"drill: {ex.Message}");
            await DrillReport.WriteAsync(settings.OutDirectory, results, settings.Quick);
            return 1;
        }

        results.Sort((a, b) => a.Drill.CompareTo(b.Drill));
        await DrillReport.WriteAsync(settings.OutDirectory, results, settings.Quick);
        Console.WriteLine(DrillReport.Markdown(results, settings.Quick));
        return results.All(r => r.Passed) ? 0 : 1;
    }
}
