using System.ComponentModel.DataAnnotations;
using Sonia.Grains.Actions.Ledger;

namespace Sonia.Tests.Actions.Ledger;

public sealed class LedgerOptionsTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.Empty(Problems(new LedgerOptions()));

    [Theory]
    [InlineData(0, 10_000)]
    [InlineData(1_000_001, 10_000)]
    [InlineData(100, 0)]
    [InlineData(100, 26_000)]
    public void QueueBoundOutOfRange_IsRefused(int queueLimit, int maxQueueWaitMs)
    {
        var options = new LedgerOptions { QueueLimit = queueLimit, MaxQueueWait = TimeSpan.FromMilliseconds(maxQueueWaitMs) };

        Assert.Single(Problems(options));
    }

    private static List<ValidationResult> Problems(LedgerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
