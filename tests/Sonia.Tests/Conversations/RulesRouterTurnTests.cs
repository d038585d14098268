using System.Net;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Conversations;

/// <summary>
/// The shared cluster runs with the default configuration: the offline rules router and the built-in memory store,
/// as <c>./deploy/up.sh</c> does. No model anywhere.
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class RulesRouterTurnTests(SoniaClusterFixture fixture)
{
    private readonly TurnsClient _turns = new(fixture.Http);

    [Fact]
    public async Task Offline_NoteThenQuestionThenForget_SavesFindsAndProposesTheDeletion()
    {
        var session = await _turns.OpenAsync();
        var word = $"zebra{Guid.NewGuid():N}"[..20];

        var noted = await _turns.TurnOkAsync(session, $"note: the spare key is under the {word} pot");
        var save = Assert.Single(noted.GetProperty("actions").EnumerateArray());
        Assert.Equal(("note.save", ActionStatuses.Succeeded),
            (save.GetProperty("tool").GetString(), save.GetProperty("status").GetString()));
        Assert.Equal($"Noted: the spare key is under the {word} pot", noted.GetProperty("assistant_text").GetString());

        var answer = await _turns.TurnOkAsync(session, $"where is the {word} pot?");
        var memory = Assert.Single(answer.GetProperty("memories").EnumerateArray());
        Assert.Equal($"the spare key is under the {word} pot", memory.GetProperty("text").GetString());
        Assert.Equal($"From what I remember: the spare key is under the {word} pot", answer.GetProperty("assistant_text").GetString());
        Assert.Empty(answer.GetProperty("actions").EnumerateArray());

        var forget = await _turns.TurnOkAsync(session, $"forget the {word} pot");
        var delete = Assert.Single(forget.GetProperty("actions").EnumerateArray());
        Assert.Equal(("note.delete", ActionStatuses.AwaitingConfirmation),
            (delete.GetProperty("tool").GetString(), delete.GetProperty("status").GetString()));
        Assert.Equal(64, delete.GetProperty("args_hash").GetString()!.Length);
        var action = await new ActionsClient(fixture.Http).GetAsync(delete.GetProperty("action_id").GetString()!);
        Assert.Equal(memory.GetProperty("memory_id").GetString(), action.GetProperty("args").GetProperty("memory_id").GetString());

        var (_, stored) = await _turns.GetSessionAsync(session);
        Assert.Equal(3, stored.GetProperty("turn_count").GetInt32());
        Assert.Equal("local", stored.GetProperty("opened_by").GetString());
        Assert.Equal(3, stored.GetProperty("turns").GetArrayLength());
    }

    [Fact]
    public async Task Memories_AreScopedToTheSession()
    {
        var word = $"otter{Guid.NewGuid():N}"[..20];
        var first = await _turns.OpenAsync();
        await _turns.TurnOkAsync(first, $"note: {word} lives in the river");
        var second = await _turns.OpenAsync();

        var answer = await _turns.TurnOkAsync(second, $"where does {word} live?");

        Assert.Empty(answer.GetProperty("memories").EnumerateArray());
        Assert.StartsWith("I have nothing on that yet", answer.GetProperty("assistant_text").GetString());
    }

    [Theory]
    [InlineData("{\"text\":\"\"}", "text is required")]
    [InlineData("{\"text\":\"   \"}", "text is required")]
    [InlineData("{}", "text is required")]
    [InlineData("{\"text\":\"hi\",\"correlation_id\":\"bad id\"}", "correlation_id must be")]
    public async Task BadTurn_Is400_AndRecordsNothing(string body, string expected)
    {
        var session = await _turns.OpenAsync();

        using var response = await fixture.Http.PostAsync($"/v1/sessions/{session}/turns",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
        var (_, stored) = await _turns.GetSessionAsync(session);
        Assert.Equal(0, stored.GetProperty("turn_count").GetInt32());
    }

    [Fact]
    public async Task TooLongText_Is400()
    {
        var session = await _turns.OpenAsync();

        var (status, problem) = await _turns.TurnAsync(session, new string('x', TurnLimits.MaxTextLength + 1));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"at most {TurnLimits.MaxTextLength} characters", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task UnknownSession_Is404_MalformedId_Is400()
    {
        var (unknown, _) = await _turns.TurnAsync(SessionIds.New(), "hello");
        var (malformed, _) = await _turns.TurnAsync("ses_nope", "hello");

        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal(HttpStatusCode.BadRequest, malformed);
    }
}
