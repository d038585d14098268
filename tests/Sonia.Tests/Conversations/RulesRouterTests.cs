using System.Text.Json.Nodes;
using Sonia.Grains.Conversations.Routing;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Tests.Conversations;

/// <summary>The offline rules router, rule by rule.</summary>
public sealed class RulesRouterTests
{
    private static readonly RouterTool[] AllTools =
    [
        new("echo", "", """{"type":"object"}"""), new("note.save", "", "{}"), new("note.delete", "", "{}"),
    ];

    private readonly RulesRouter _router = new();

    [Theory]
    [InlineData("note: buy milk", "note.save", "{\"text\":\"buy milk\"}", "Noted: buy milk")]
    [InlineData("Remember:  the door code is 4711", "note.save", "{\"text\":\"the door code is 4711\"}", "Noted: the door code is 4711")]
    [InlineData("echo hello there", "echo", "{\"text\":\"hello there\"}", "hello there")]
    public async Task Rule_ProposesItsTool(string text, string tool, string args, string reply)
    {
        var answer = await RouteAsync(text, []);

        var call = Assert.Single(answer.ToolCalls);
        Assert.Equal(tool, call.Tool);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(args), JsonNode.Parse(call.ArgsJson)));
        Assert.Equal(reply, answer.Text);
    }

    [Fact]
    public async Task Forget_DeletesTheBestMatchingMemory()
    {
        MemoryHit[] found = [new("mem_1", "the cat is called Tom", 0.9), new("mem_2", "the dog is called Rex", 0.5)];

        var answer = await RouteAsync("forget the dog", found);

        var call = Assert.Single(answer.ToolCalls);
        Assert.Equal("note.delete", call.Tool);
        Assert.Equal("mem_2", JsonNode.Parse(call.ArgsJson)!["memory_id"]!.GetValue<string>());
        Assert.Equal("I will forget \"the dog is called Rex\" once you confirm.", answer.Text);
    }

    [Fact]
    public async Task Forget_WithoutAMatchingMemory_ProposesNothing()
    {
        var answer = await RouteAsync("forget the parrot", [new("mem_1", "the cat is called Tom", 0.9)]);

        Assert.Empty(answer.ToolCalls);
        Assert.Equal("I found no memory matching \"the parrot\".", answer.Text);
    }

    [Fact]
    public async Task Question_IsAnsweredFromTheMemories()
    {
        var answer = await RouteAsync("what is the cat called?", [new("mem_1", "the cat is called Tom", 0.9)]);

        Assert.Empty(answer.ToolCalls);
        Assert.Equal("From what I remember: the cat is called Tom", answer.Text);
    }

    [Fact]
    public async Task RuleWhoseToolIsNotOnOffer_FallsBackToTheMemories()
    {
        var answer = await _router.RouteAsync(new RouterRequest("note: buy milk", [], [], [AllTools[0]]), CancellationToken.None);

        Assert.Empty(answer.ToolCalls);
        Assert.StartsWith("I have nothing on that yet", answer.Text);
    }

    private Task<RouterReply> RouteAsync(string text, IReadOnlyList<MemoryHit> memories) =>
        _router.RouteAsync(new RouterRequest(text, [], memories, AllTools), CancellationToken.None);
}
