using System.Diagnostics;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// Running totals shared by all clients (one interlocked add per event), printed every few seconds so a run shows
/// when the rate settles: a freshly started silo and gateway keep the JIT busy for tens of seconds on 2 cores.
/// </summary>
public sealed class LoadProgress
{
    private long _accepted;
    private long _succeeded;

    public void Accepted() => Interlocked.Increment(ref _accepted);

    public void Succeeded() => Interlocked.Increment(ref _succeeded);

    /// <summary>Prints the rates of each <paramref name="every"/> to standard error until cancelled.</summary>
    public async Task ReportAsync(MeasurementWindow window, TimeSpan every, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(every);
        var (accepted, succeeded, at) = (0L, 0L, Stopwatch.GetTimestamp());
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = Stopwatch.GetTimestamp();
                var seconds = Stopwatch.GetElapsedTime(at, now).TotalSeconds;
                var (a, s) = (Interlocked.Read(ref _accepted), Interlocked.Read(ref _succeeded));
                var phase = now < window.Start ? "warm-up" : now < window.End ? "measured" : "drain";
                Console.Error.WriteLine(FormattableString.Invariant(
                    $"    {phase,-8} last {seconds,4:0.0} s: accepted {(a - accepted) / seconds,7:0.0}/s, completed {(s - succeeded) / seconds,7:0.0}/s"));
                (accepted, succeeded, at) = (a, s, now);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }
}
