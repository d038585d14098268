using Sonia.Gateway.Security;

namespace Sonia.Tests.Security;

/// <summary>
/// Guessed keys cannot buy the gateway's CPU: each unknown key costs one slow hash per configured key, so checks of keys
/// not seen before share a per-second budget, and the verdicts of the real keys survive any number of guesses.
/// </summary>
public sealed class KeyRingTests
{
    [Fact]
    public void UnthrottledWrongKeysDefect_UnknownKeysPastTheBudget_AreNotHashed_ButKnownKeysStillPass()
    {
        var key = $"sk-{Guid.NewGuid():N}";
        using var ring = Ring(key, checksPerSecond: 3);
        Assert.Equal(KeyVerdict.Known, ring.Check(key, out var identity)); // one slow check, remembered
        Assert.Equal("alice", identity!.Name);

        var verdicts = Enumerable.Range(0, 10).Select(i => ring.Check($"sk-guess-{i}-{Guid.NewGuid():N}", out _)).ToList();

        Assert.Equal(2, verdicts.Count(v => v == KeyVerdict.Unknown)); // the rest of this second's budget
        Assert.Equal(8, verdicts.Count(v => v == KeyVerdict.Throttled));
        Assert.Equal(KeyVerdict.Known, ring.Check(key, out identity));
        Assert.Equal("alice", identity!.Name);
    }

    [Fact]
    public void AWrongKeyPresentedAgain_IsAnsweredFromMemory_WithoutSpendingTheBudget()
    {
        using var ring = Ring($"sk-{Guid.NewGuid():N}", checksPerSecond: 1);
        var wrong = $"sk-wrong-{Guid.NewGuid():N}";

        Assert.Equal(KeyVerdict.Unknown, ring.Check(wrong, out _));
        Assert.Equal(KeyVerdict.Unknown, ring.Check(wrong, out _));
        Assert.Equal(KeyVerdict.Throttled, ring.Check($"sk-other-{Guid.NewGuid():N}", out _));
    }

    private static KeyRing Ring(string key, int checksPerSecond) => new(new AuthOptions
    {
        Keys = { ["alice"] = new ApiKeyOptions { Role = SoniaRoles.Operator, Hash = ApiKeyHasher.Hash(key, ApiKeyHasher.MinIterations) } },
        UnknownKeyChecksPerSecond = checksPerSecond,
    });
}
