namespace Sonia.Grains.Interfaces.Actions;

/// <summary>
/// The action lifecycle: accepted → awaiting_confirmation → approved | denied | expired → queued → executing →
/// succeeded | failed → dead_lettered. Stored and sent as these exact strings.
/// </summary>
public static class ActionStatuses
{
    public const string Accepted = "accepted";
    public const string AwaitingConfirmation = "awaiting_confirmation";
    public const string Approved = "approved";
    public const string Denied = "denied";
    public const string Expired = "expired";
    public const string Queued = "queued";
    public const string Executing = "executing";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string DeadLettered = "dead_lettered";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Accepted, AwaitingConfirmation, Approved, Denied, Expired, Queued, Executing, Succeeded, Failed, DeadLettered,
    };

    /// <summary>States no further transition leaves.</summary>
    public static bool IsTerminal(string status) =>
        status is Denied or Expired or Succeeded or DeadLettered;
}

/// <summary>Why an attempt or an action failed; stored and sent as these exact strings.</summary>
public static class FailureClasses
{
    public const string Timeout = "timeout";
    public const string BreakerOpen = "breaker_open";
    public const string ExecutorError = "executor_error";
    public const string Rejected = "rejected";
    public const string ConfirmationExpired = "confirmation_expired";
    public const string Unknown = "unknown";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Timeout, BreakerOpen, ExecutorError, Rejected, ConfirmationExpired, Unknown,
    };
}
