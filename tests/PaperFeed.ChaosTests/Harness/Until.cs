namespace PaperFeed.ChaosTests.Harness;

/// <summary>Awaits a condition on observable state (HTTP API, SQLite file, a receiver), re-checking it until it holds or the deadline passes.</summary>
public static class Until
{
    /// <summary>Returns the first value that satisfies <paramref name="condition"/>; throws with the last value seen when the deadline passes.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan deadline, string what)
    {
        var until = DateTime.UtcNow + deadline;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"timed out after {deadline} waiting for {what}; last value: {value}");
            }

            await Task.Delay(delay, TestContext.Current.CancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <summary>The same for state the test process holds (a receiver's requests).</summary>
    public static Task<T> LocalAsync<T>(Func<T> read, Func<T, bool> condition, TimeSpan deadline, string what) =>
        ValueAsync(() => Task.FromResult(read()), condition, deadline, what);
}
