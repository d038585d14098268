using Sonia.Benchmarks.Load;

namespace Sonia.Tests.Benchmarks;

/// <summary>The load driver's options: the paced rate (issue 16's latency at half the maximum rate) and its bounds.</summary>
public sealed class LoadOptionsTests
{
    [Fact]
    public void Rate_SpreadsOverTheClients_EachStartingOncePerClientsOverRateSeconds()
    {
        var options = LoadOptions.Parse(["--clients", "32", "--rate", "500"]);

        Assert.Equal(500, options.Rate);
        Assert.Equal(TimeSpan.FromMilliseconds(64), options.Pace);
    }

    [Fact]
    public void NoRate_IsUnpaced()
    {
        var options = LoadOptions.Parse(["--mode", "both"]);

        Assert.Equal(0, options.Rate);
        Assert.Equal(TimeSpan.Zero, options.Pace);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("fast")]
    [InlineData("100001")]
    public void Rate_OutOfRangeOrNotANumber_IsRefusedNamingTheOption(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--rate", value]));

        Assert.Contains("--rate must be an integer from 0 to 100000", error.Message, StringComparison.Ordinal);
    }
}
