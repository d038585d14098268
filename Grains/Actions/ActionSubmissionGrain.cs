using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions;

/// <inheritdoc cref="IActionSubmissionGrain"/>
/// <remarks>The unique index on the key in SQL is the backstop should two activations ever race.</remarks>
public sealed class ActionSubmissionGrain(ActionReader reader, IGrainFactory grains) : Grain, IActionSubmissionGrain
{
    private (string ActionId, string RequestHash)? _known;

    public async Task<SubmitResult> SubmitAsync(ActionSubmission submission, CancellationToken cancellationToken = default)
    {
        var key = this.GetPrimaryKeyString();
        if (_known is null && await reader.FindSubmissionAsync(key) is { } stored)
        {
            _known = (stored.ActionId, stored.RequestHash);
        }

        if (_known is { } known)
        {
            var view = await grains.GetGrain<IActionGrain>(known.ActionId).GetAsync();
            return ActionHashes.IsSameRequest(known.RequestHash, submission)
                ? new SubmitResult(SubmitOutcome.Existing, view, [])
                : new SubmitResult(SubmitOutcome.KeyConflict, view, ["the idempotency key was used with a different request"]);
        }

        var actionId = ActionIds.New();
        var result = await grains.GetGrain<IActionGrain>(actionId).AcceptAsync(submission, key, cancellationToken);
        if (result.Outcome == SubmitOutcome.Accepted && result.Action is { } action)
        {
            _known = (action.ActionId, ActionHashes.Request(submission));
        }

        return result;
    }
}
