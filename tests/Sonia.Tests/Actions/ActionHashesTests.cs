using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Sonia.Grains.Actions;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Tests.Actions;

public sealed class ActionHashesTests
{
    [Fact]
    public void EqualArgumentsHashDifferentlyDefect_OneAndOnePointZero_HashAlike()
    {
        Assert.Equal(ActionHashes.Args("echo", JsonNode.Parse("""{"n":1}""")), ActionHashes.Args("echo", JsonNode.Parse("""{"n":1.0}""")));
        Assert.Equal(ActionHashes.Args("echo", JsonNode.Parse("""{"n":100,"s":"A"}""")), ActionHashes.Args("echo", JsonNode.Parse("""{"s":"\u0041","n":1e2}""")));
        Assert.Equal(Request("""{"n":1}"""), Request("""{ "n": 1.0 }"""));
    }

    [Fact]
    public void ArgsHash_IsSha256OfTheRfc8785TextOfToolAndArgs()
    {
        // Written out by hand: members sorted ("args" < "tool"), 1.50 as 1.5, no white space.
        var expected = Sha256("""{"args":{"a":[1.5,"é"],"b":null},"tool":"note.save"}""");

        Assert.Equal(expected, ActionHashes.Args("note.save", JsonNode.Parse("""{ "b": null, "a": [1.50, "\u00e9"] }""")));
    }

    [Fact]
    public void DifferentMeaningOrTool_HashesDifferently()
    {
        var baseline = ActionHashes.Args("echo", JsonNode.Parse("""{"n":1}"""));

        Assert.NotEqual(baseline, ActionHashes.Args("echo", JsonNode.Parse("""{"n":2}""")));
        Assert.NotEqual(baseline, ActionHashes.Args("echo", JsonNode.Parse("""{"n":"1"}""")));
        Assert.NotEqual(baseline, ActionHashes.Args("note.save", JsonNode.Parse("""{"n":1}""")));
    }

    [Fact]
    public void RequestHashStoredBeforeCanonicalisation_StillMatchesARetryOfTheSameSubmission()
    {
        var submission = new ActionSubmission(null, "echo", """{"b":2.50,"a":"x"}""", "k-1", "tester");
        // What the earlier code stored: keys sorted, values as written, System.Text.Json's default escaping.
        var legacy = Sha256("""{"session_id":null,"tool":"echo","args":{"a":"x","b":2.50}}""");

        Assert.NotEqual(legacy, ActionHashes.Request(submission));
        Assert.True(ActionHashes.IsSameRequest(legacy, submission));
        Assert.False(ActionHashes.IsSameRequest(legacy, submission with { Args = """{"b":2.5,"a":"y"}""" }));
    }

    private static string Request(string args) => ActionHashes.Request(new ActionSubmission(null, "echo", args, null, "tester"));

    private static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
