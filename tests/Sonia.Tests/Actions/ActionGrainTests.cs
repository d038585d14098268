using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

[Collection(SoniaClusterCollection.Name)]
public sealed class ActionGrainTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task AcceptingAnExistingIdAgain_AfterReactivation_AnswersFromTheStoredRow()
    {
        var id = ActionIds.New();
        var grain = fixture.Cluster.Client.GetGrain<IActionGrain>(id);
        var submission = new ActionSubmission(null, "echo", """{"again":true}""", null, "tester");
        var first = await grain.AcceptAsync(submission, id);
        await new ActionsClient(fixture.Http).WaitAsync(id);
        await fixture.Cluster.DeactivateAsync(grain);

        // A fresh activation skips reading the row before an insert: the primary key must catch the repeat.
        var same = await grain.AcceptAsync(submission, id);
        var different = await grain.AcceptAsync(submission with { Args = """{"again":false}""" }, id);

        Assert.Equal(SubmitOutcome.Accepted, first.Outcome);
        Assert.Equal(SubmitOutcome.Existing, same.Outcome);
        Assert.Equal(ActionStatuses.Succeeded, same.Action!.Status);
        Assert.Equal(SubmitOutcome.KeyConflict, different.Outcome);
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE action_id = @id", ("id", id)));
    }

    [Fact]
    public async Task EmptyAuditTrailDefect_AfterTheDuplicateInsertPath_TheTrailIsTheStoredOne()
    {
        var id = ActionIds.New();
        var grain = fixture.Cluster.Client.GetGrain<IActionGrain>(id);
        var submission = new ActionSubmission(null, "echo", """{"trail":true}""", null, "tester");
        await grain.AcceptAsync(submission, id);
        var ended = await new ActionsClient(fixture.Http).WaitAsync(id);
        await fixture.Cluster.DeactivateAsync(grain);

        var again = await grain.AcceptAsync(submission, id);
        var view = await grain.GetAsync();
        var stored = await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.action_audit WHERE action_id = @id", ("id", id));

        Assert.Equal(SubmitOutcome.Existing, again.Outcome);
        Assert.Equal(ActionStatuses.Succeeded, view!.Status);
        Assert.Equal(ActionsClient.Transitions(ended), view.Audit!.Select(a => a.To));
        Assert.Equal(stored, view.Audit!.Count);
        Assert.Equal([ActionStatuses.Accepted, ActionStatuses.Queued], view.Audit!.Take(2).Select(a => a.To));
        Assert.NotEmpty(view.AttemptLog!);
    }
}
