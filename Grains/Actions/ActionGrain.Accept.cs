using System.Text.Json;
using System.Text.Json.Nodes;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Actions;

/// <summary>Accepting a submission: validate, hash, insert durably (or refuse when the ledger is busy).</summary>
public sealed partial class ActionGrain
{
    public async Task<SubmitResult> AcceptAsync(ActionSubmission submission, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var requestHash = ActionHashes.Request(submission);

        // Ids are minted fresh for each submission, so the row almost never exists: rather than read first,
        // let the insert's primary key say so, and read only then.
        if (_loading is not null && await LoadAsync() is { } existing)
        {
            return SameRequest(existing, submission);
        }

        if (!options.Tools.TryGetValue(submission.Tool, out var tool))
        {
            return Invalid($"tool '{submission.Tool}' is not registered");
        }

        if (Validate(tool, submission.Args, out var args) is { Count: > 0 } problems)
        {
            return new SubmitResult(SubmitOutcome.Invalid, null, problems);
        }

        var now = time.GetUtcNow();
        var correlationId = CorrelationId.Current ?? CorrelationId.NewSystemId();
        var confirm = tool.Options.RequiresConfirmation;
        var status = confirm ? ActionStatuses.AwaitingConfirmation : ActionStatuses.Queued;
        var record = new ActionRecord
        {
            ActionId = this.GetPrimaryKeyString(),
            SessionId = submission.SessionId,
            Tool = tool.Name,
            Args = args!.ToJsonString(),
            ArgsHash = ActionHashes.Args(tool.Name, args),
            RequestHash = requestHash,
            IdempotencyKey = idempotencyKey,
            SubmittedBy = submission.Actor,
            Status = status,
            RequiresConfirmation = confirm,
            CorrelationId = correlationId,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = confirm ? now + (tool.Options.ConfirmationTimeout ?? options.ConfirmationTimeout) : null,
            LeaseUntil = confirm ? null : now + options.LeaseDuration,
            Version = 1,
        };

        try
        {
            await WriteAsync(new LedgerChange(record, null,
            [
                new AuditRow(record.ActionId, null, ActionStatuses.Accepted, now, submission.Actor, correlationId, $"tool {tool.Name}"),
                new AuditRow(record.ActionId, ActionStatuses.Accepted, status, now, System, correlationId, confirm ? $"confirmation required by {record.ExpiresAt:O}" : null),
            ]), refuseWhenBusy: true, cancellationToken);
        }
        catch (LedgerBusyException ex)
        {
            // Refused before anything was written, and never written later: the client may simply retry.
            return new SubmitResult(SubmitOutcome.Busy, null, [ex.Message]);
        }
        catch (DuplicateIdempotencyKeyException)
        {
            // Another activation took the key first: answer as if we had been asked second.
            var winner = await reader.FindSubmissionAsync(idempotencyKey);
            DeactivateOnIdle();
            return winner is null ? Invalid("idempotency key is in use") : SameRequest(winner, submission);
        }
        catch (DuplicateActionException)
        {
            // The row was written by an earlier activation: its trail is in SQL, read it on first use.
            _loading = null;
            return await LoadAsync() is { } stored ? SameRequest(stored, submission) : Invalid("the action id is in use");
        }

        _loading = Task.CompletedTask;

        LogAccepted(logger, record.ActionId, record.Tool, record.Status);
        // Queued: run now. Awaiting confirmation: expire on time while active; the recovery sweep covers a restart.
        Schedule(confirm ? record.ExpiresAt!.Value - now : TimeSpan.Zero, keepAlive: !confirm);

        return new SubmitResult(SubmitOutcome.Accepted, record.ToView(), []);
    }

    private static IReadOnlyList<string> Validate(ToolDefinition tool, string text, out JsonNode? args)
    {
        args = null;
        try
        {
            args = JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            return [$"args is not valid JSON: {ex.Message}"];
        }

        if (args is not JsonObject)
        {
            return ["args must be a JSON object"];
        }

        try
        {
            // The confirmation hash is over RFC 8785 canonical JSON, which only I-JSON has.
            JsonCanonicalizer.Canonicalize(text);
        }
        catch (JsonException ex)
        {
            return [$"args must be I-JSON (RFC 7493): {ex.Message}"];
        }

        using var document = JsonDocument.Parse(text);
        return tool.Problems(document.RootElement);
    }

    private static SubmitResult SameRequest(ActionRecord existing, ActionSubmission submission) =>
        ActionHashes.IsSameRequest(existing.RequestHash, submission)
            ? new SubmitResult(SubmitOutcome.Existing, existing.ToView(), [])
            : new SubmitResult(SubmitOutcome.KeyConflict, existing.ToView(), ["the idempotency key was used with a different request"]);

    private static SubmitResult Invalid(string problem) => new(SubmitOutcome.Invalid, null, [problem]);
}
