namespace Sonia.Benchmarks.Load;

/// <summary>Something read at both ends of the measurement window, to say what the window cost (CPU, database work).</summary>
public interface IWindowProbe
{
    Task AtWindowStartAsync();

    Task AtWindowEndAsync();
}
