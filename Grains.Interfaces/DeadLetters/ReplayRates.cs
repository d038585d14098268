using System.Globalization;

namespace Sonia.Grains.Interfaces.DeadLetters;

/// <summary>The rate limit of a batch replay: records per second, one record per timer tick.</summary>
public static class ReplayRates
{
    public const double Default = 10;

    /// <summary>One record every 100 s: slower than this the tick period stops being a sensible timer.</summary>
    public const double Min = 0.01;

    public const double Max = 100;

    /// <summary>The field and the range, as a 400 and a failed job both say it.</summary>
    public static readonly string Rule =
        string.Create(CultureInfo.InvariantCulture, $"max_per_second must be between {Min} and {Max} (records per second)");

    /// <summary>Null when <paramref name="perSecond"/> is a rate a job can run at; else what is wrong with it.</summary>
    public static string? Problem(double perSecond) =>
        double.IsFinite(perSecond) && perSecond >= Min && perSecond <= Max
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{Rule}; got {perSecond}");

    /// <summary>The tick period of a valid rate.</summary>
    public static TimeSpan Period(double perSecond) => Problem(perSecond) is { } problem
        ? throw new ArgumentOutOfRangeException(nameof(perSecond), perSecond, problem)
        : TimeSpan.FromSeconds(1 / perSecond);
}
