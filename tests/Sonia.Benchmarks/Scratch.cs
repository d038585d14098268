namespace Sonia.Benchmarks;
public static class Scratch
{
    public static async Task RunAsync()
    {
        await using var ex = await LoopbackExecutor.StartAsync();
        for (var w = 0; w < 20000; w++) await ex.CallAsync(CancellationToken.None);
        var line = new List<string>();
        for (var r = 0; r < 30; r++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var n = 0;
            while (sw.ElapsedMilliseconds < 300) { ex.CallAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult(); n++; }
            line.Add($"{sw.Elapsed.TotalMicroseconds / n:0}");
        }
        Console.WriteLine(string.Join(" ", line));
    }
}
