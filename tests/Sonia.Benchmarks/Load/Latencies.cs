namespace Sonia.Benchmarks.Load;

/// <summary>Every latency sample of a run (tens of thousands at most), kept whole so percentiles are exact.</summary>
public sealed class Latencies
{
    private readonly List<double> _milliseconds = [];
    private double[]? _sorted;

    public int Count => _milliseconds.Count;

    public void Add(double milliseconds)
    {
        _milliseconds.Add(milliseconds);
        _sorted = null;
    }

    public void AddAll(Latencies other)
    {
        _milliseconds.AddRange(other._milliseconds);
        _sorted = null;
    }

    /// <summary>The nearest-rank percentile (<paramref name="p"/> in 0–100); NaN without samples.</summary>
    public double Percentile(double p)
    {
        if (_milliseconds.Count == 0)
        {
            return double.NaN;
        }

        _sorted ??= [.. _milliseconds.Order()];
        var rank = (int)Math.Ceiling(p / 100 * _sorted.Length);
        return _sorted[Math.Clamp(rank - 1, 0, _sorted.Length - 1)];
    }

    public double Max => _milliseconds.Count == 0 ? double.NaN : _milliseconds.Max();
}
