namespace Sonia.Grains.Actions.Ledger;

/// <summary>
/// A change waiting in the ledger's queue. Exactly one of two things happens to it: a writer claims it (and then it
/// is committed or fails, and its caller learns which), or its caller gives up first (and then no writer runs it).
/// The claim is one compare-and-swap, so "told it failed" and "committed later" can never both happen.
/// </summary>
internal sealed class PendingChange(LedgerChange change)
{
    private const int Queued = 0;
    private const int Claimed = 1;
    private const int Abandoned = 2;

    private int _state;
    private CancellationTokenRegistration _registration;

    public LedgerChange Change { get; } = change;

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Abandons the change when <paramref name="token"/> fires before a writer claimed it.</summary>
    public void AbandonOn(CancellationToken token, Func<Exception> reason, Action abandoned)
    {
        if (token.CanBeCanceled)
        {
            _registration = token.Register(() =>
            {
                if (Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued)
                {
                    abandoned();
                    Done.TrySetException(reason());
                }
            });
        }
    }

    /// <summary>True when the writer may run the change; false when its caller has already given up.</summary>
    public bool TryClaim()
    {
        var claimed = Interlocked.CompareExchange(ref _state, Claimed, Queued) == Queued;
        _registration.Unregister();
        return claimed;
    }
}

/// <summary>The ledger cannot take a new action now: its queue is full, or the action waited too long for a writer.</summary>
/// <remarks>Nothing of the refused change was, or ever will be, written; the caller may retry later.</remarks>
public sealed class LedgerBusyException(string message) : Exception(message);
