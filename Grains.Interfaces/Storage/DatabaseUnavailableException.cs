using System.Data.Common;

namespace Sonia.Grains.Interfaces.Storage;

/// <summary>
/// The database did not answer (stopped, restarting, refusing connections): the same request may succeed shortly.
/// Silos throw it in place of the driver's exception, whose text stays in the silo log, so callers see one type.
/// </summary>
[GenerateSerializer, Alias("sonia.database_unavailable")]
public sealed class DatabaseUnavailableException : Exception
{
    public DatabaseUnavailableException()
        : base("the database is unavailable")
    {
    }

    public DatabaseUnavailableException(string message)
        : base(message)
    {
    }

    public DatabaseUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// True when <paramref name="exception"/> or one it wraps says the database is unavailable: this type, or a driver
    /// exception the driver itself calls transient (an activation that could not read its state never passes the
    /// silo's filter, so the raw driver exception may still reach a caller).
    /// </summary>
    public static bool IsCause(Exception? exception) => Find(exception, e => e is DatabaseUnavailableException or DbException { IsTransient: true });

    /// <summary>True when <paramref name="exception"/> or any exception it wraps (inner or aggregated) matches.</summary>
    public static bool Find(Exception? exception, Func<Exception, bool> match)
    {
        for (var depth = 0; exception is not null && depth < 16; depth++, exception = exception.InnerException)
        {
            if (match(exception))
            {
                return true;
            }

            if (exception is AggregateException aggregate && aggregate.InnerExceptions.Any(e => Find(e, match)))
            {
                return true;
            }
        }

        return false;
    }
}
