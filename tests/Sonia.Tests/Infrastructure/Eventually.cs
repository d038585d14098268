namespace Sonia.Tests.Infrastructure;

/// <summary>Retries an operation that fails while the cluster recovers from a fault, up to a deadline.</summary>
public static class Eventually
{
    public static async Task<T> ResultAsync<T>(Func<Task<T>> operation, TimeSpan deadline, Func<T, bool>? accept = null)
    {
        var until = DateTime.UtcNow + deadline;
        Exception? last = null;
        while (DateTime.UtcNow < until)
        {
            try
            {
                var result = await operation().WaitAsync(TimeSpan.FromSeconds(10));
                if (accept is null || accept(result))
                {
                    return result;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                last = ex;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"no acceptable result within {deadline}", last);
    }
}
