using Microsoft.Extensions.Logging;

namespace Sonia.Grains.Diagnostics;

/// <summary>
/// Gathers one section of a snapshot on its own: a section that throws or outlasts its time comes back as null with a
/// short reason (exception text can name hosts, so it goes to the log only), and the other sections are not touched.
/// </summary>
public static partial class SnapshotSection
{
    public static async Task<T?> RunAsync<T>(
        string name, Func<CancellationToken, Task<T>> gather, TimeSpan timeout, IDictionary<string, string> errors, ILogger logger)
        where T : class
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            return await gather(limit.Token).WaitAsync(timeout);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var reason = ex is TimeoutException or OperationCanceledException
                ? $"no answer within {timeout.TotalSeconds:0.#} s"
                : $"{ex.GetType().Name} (details in the silo log)";
            lock (errors)
            {
                errors[name] = reason;
            }

            LogSectionFailed(logger, name, ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Diagnostics snapshot: the {Section} section failed")]
    private static partial void LogSectionFailed(ILogger logger, string section, Exception exception);
}
