using System.Text;
using System.Text.Json;
using Sonia.Grains.Actions;

namespace Sonia.Tests.Actions;

/// <summary>RFC 8785 (JCS), checked against the examples and tables in the RFC itself.</summary>
public sealed class JsonCanonicalizerTests
{
    [Fact]
    public void Rfc8785_Section3_2_2_Example_CanonicalisesToTheRfcsOutput()
    {
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50,
                          2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;

        var canonical = JsonCanonicalizer.Canonicalize(input);

        Assert.Equal(
            """{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""",
            canonical);
    }

    [Fact]
    public void Rfc8785_Section3_2_3_SortsNamesByUtf16CodeUnits()
    {
        const string input = """
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """;

        var values = JsonDocument.Parse(JsonCanonicalizer.Canonicalize(input)).RootElement.EnumerateObject().Select(p => p.Value.GetString());

        Assert.Equal(
            ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign", "Emoji: Grinning Face",
                "Hebrew Letter Dalet With Dagesh"],
            values);
    }

    /// <summary>RFC 8785 Appendix B: IEEE 754 bit patterns and the ECMAScript text each must become.</summary>
    [Theory]
    [InlineData(0x0000000000000000UL, "0")]
    [InlineData(0x8000000000000000UL, "0")]
    [InlineData(0x0000000000000001UL, "5e-324")]
    [InlineData(0x8000000000000001UL, "-5e-324")]
    [InlineData(0x7fefffffffffffffUL, "1.7976931348623157e+308")]
    [InlineData(0xffefffffffffffffUL, "-1.7976931348623157e+308")]
    [InlineData(0x4340000000000000UL, "9007199254740992")]
    [InlineData(0xc340000000000000UL, "-9007199254740992")]
    [InlineData(0x4430000000000000UL, "295147905179352830000")]
    [InlineData(0x44b52d02c7e14af5UL, "9.999999999999997e+22")]
    [InlineData(0x44b52d02c7e14af6UL, "1e+23")]
    [InlineData(0x44b52d02c7e14af7UL, "1.0000000000000001e+23")]
    [InlineData(0x444b1ae4d6e2ef4eUL, "999999999999999700000")]
    [InlineData(0x444b1ae4d6e2ef4fUL, "999999999999999900000")]
    [InlineData(0x444b1ae4d6e2ef50UL, "1e+21")]
    [InlineData(0x3eb0c6f7a0b5ed8cUL, "9.999999999999997e-7")]
    [InlineData(0x3eb0c6f7a0b5ed8dUL, "0.000001")]
    [InlineData(0x41b3de4355555553UL, "333333333.3333332")]
    [InlineData(0x41b3de4355555554UL, "333333333.33333325")]
    [InlineData(0x41b3de4355555555UL, "333333333.3333333")]
    [InlineData(0x41b3de4355555556UL, "333333333.3333334")]
    [InlineData(0x41b3de4355555557UL, "333333333.33333343")]
    [InlineData(0xbecbf647612f3696UL, "-0.0000033333333333333333")]
    [InlineData(0x43143ff3c1cb0959UL, "1424953923781206.2")]
    public void Rfc8785_AppendixB_NumbersAreWrittenAsEcmaScriptDoes(ulong bits, string expected) =>
        Assert.Equal(expected, JsonCanonicalizer.Number(BitConverter.UInt64BitsToDouble(bits)));

    [Theory]
    [InlineData("""{"n":1}""", """{ "n" : 1.0 }""")]
    [InlineData("""{"n":100}""", """{"n":1e2}""")]
    [InlineData("""{"s":"A"}""", """{"s":"\u0041"}""")]
    [InlineData("""{"a":1,"b":[true,null]}""", """{"b":[true, null],"a":1}""")]
    public void SpellingsOfOneValue_CanonicaliseAlike(string one, string other) =>
        Assert.Equal(JsonCanonicalizer.Canonicalize(one), JsonCanonicalizer.Canonicalize(other));

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"n":1e400}""")]
    [InlineData("""{"s":"\ud800"}""")]
    public void NotIJson_IsRefused(string json) =>
        Assert.ThrowsAny<JsonException>(() => JsonCanonicalizer.Canonicalize(json));

    [Fact]
    public void Output_IsUtf8WithoutEscapingNonAscii()
    {
        var canonical = JsonCanonicalizer.Canonicalize("""{"t":"\u00e9<>&\u2028"}""");

        Assert.Equal("{\"t\":\"é<>&\u2028\"}", canonical);
        Assert.Equal(Encoding.UTF8.GetBytes(canonical), Encoding.UTF8.GetBytes("{\"t\":\"\u00e9<>&\u2028\"}"));
    }
}
