using Sonia.Hosting.Correlation;

namespace Sonia.Tests.Correlation;

public sealed class CorrelationIdTests
{
    [Theory]
    [InlineData("abc", true)]
    [InlineData("A-Z_0.9:x", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a/b", false)]
    [InlineData("é", false)]
    public void IsValid_FollowsTheAllowedAlphabet(string value, bool valid) =>
        Assert.Equal(valid, CorrelationId.IsValid(value));

    [Fact]
    public void IsValid_RejectsMoreThan128Chars()
    {
        Assert.True(CorrelationId.IsValid(new string('x', 128)));
        Assert.False(CorrelationId.IsValid(new string('x', 129)));
    }

    [Fact]
    public void NewRequestId_IsReqAndAUlid() =>
        Assert.Matches("^req_[0-9A-HJKMNP-TV-Z]{26}$", CorrelationId.NewRequestId());
}
