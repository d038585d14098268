namespace Sonia.Tests.Telemetry;

/// <summary>The test's own Prometheus reader takes the format as written and refuses what a scraper would refuse.</summary>
public sealed class PrometheusTextTests
{
    private const string Valid = """
        # HELP calls_total Calls.
        # TYPE calls_total counter
        calls_total{tool="a",note="say \"hi\"\n"} 3 1700000000000
        calls_total{tool="b"} 1.5e1
        # TYPE wait_seconds histogram
        wait_seconds_bucket{le="0.5"} 1
        wait_seconds_bucket{le="+Inf"} 2
        wait_seconds_sum 0.75
        wait_seconds_count 2
        # TYPE depth gauge
        depth NaN

        """;

    [Fact]
    public void Parse_AValidExposition_ReadsEverySampleWithItsLabels()
    {
        var text = PrometheusText.Parse(Valid);

        Assert.Equal("histogram", text.Types["wait_seconds"]);
        Assert.Equal(18, text.Sum("calls_total"));
        Assert.Equal(3, text.Sum("calls_total", ("note", "say \"hi\"\n")));
        Assert.Equal(2, text.Sum("wait_seconds_count"));
    }

    [Theory]
    [InlineData("# TYPE a counter\na 1", "line feed")]
    [InlineData("b 1\n", "no typed family")]
    [InlineData("# TYPE a counter\na{x=\"1\"} 1\na{x=\"1\"} 2\n", "twice")]
    [InlineData("# TYPE a counter\na{x=\"\\t\"} 1\n", "escape")]
    [InlineData("# TYPE a counter\na{x=\"1\",x=\"2\"} 1\n", "twice")]
    [InlineData("# TYPE a counter\na one\n", "not a sample")]
    [InlineData("# TYPE a counter\na 1\n# TYPE a counter\n", "second TYPE")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "cumulative")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 1\n", "differs")]
    public void Parse_RefusesWhatIsNotTheFormat_NamingTheProblem(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusText.Parse(text));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
