using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sonia.Hosting.Logging;

/// <summary>
/// The lines of one JSON Lines file whose <c>ts</c> lies in [from, to). A file is read in two steps so that neither holds
/// the window in memory: <see cref="Plan"/> scans it once, keeping only the offsets of the newest <c>maxLines</c>
/// matching lines, then <see cref="Read"/> returns them page by page from those offsets. Only complete lines count: the
/// line a process is still writing (no newline yet) is left out rather than cut.
/// </summary>
public static class LogWindowReader
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Read from <paramref name="Start"/> up to <paramref name="End"/>; <paramref name="Matched"/> lines were in the window.</summary>
    public sealed record WindowPlan(long Start, long End, int Matched, int Kept);

    /// <summary>Lines of one page and the offset the next page starts at.</summary>
    public sealed record WindowPage(IReadOnlyList<string> Lines, long Next, bool Done);

    public static WindowPlan Plan(string path, DateTimeOffset from, DateTimeOffset to, int maxLines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLines, 1);
        var kept = new Queue<long>();
        var matched = 0;
        var end = 0L;
        foreach (var (offset, next, line) in Lines(path, 0, long.MaxValue))
        {
            end = next;
            if (InWindow(line, from, to))
            {
                matched++;
                kept.Enqueue(offset);
                if (kept.Count > maxLines)
                {
                    // The newest lines are what explains an incident: the oldest give way.
                    kept.Dequeue();
                }
            }
        }

        return new WindowPlan(kept.Count > 0 ? kept.Peek() : end, end, matched, kept.Count);
    }

    public static WindowPage Read(string path, DateTimeOffset from, DateTimeOffset to, long start, long end, int maxLines, int maxChars)
    {
        var lines = new List<string>();
        var chars = 0;
        var position = start;
        foreach (var (_, next, line) in Lines(path, start, end))
        {
            position = next;
            if (InWindow(line, from, to))
            {
                lines.Add(line);
                chars += line.Length;
            }

            if (lines.Count >= maxLines || chars >= maxChars)
            {
                break;
            }
        }

        return new WindowPage(lines, position, position >= end);
    }

    /// <summary>Whether <paramref name="line"/> has a top-level <c>ts</c> in the window; a line without one is in none.</summary>
    public static bool InWindow(string line, DateTimeOffset from, DateTimeOffset to) =>
        Timestamp(line) is { } ts && ts >= from && ts < to;

    public static DateTimeOffset? Timestamp(string line)
    {
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(line));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTs = reader.ValueTextEquals("ts"u8);
                reader.Read();
                if (isTs)
                {
                    return reader.TokenType == JsonTokenType.String && DateTimeOffset.TryParse(
                        reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts) ? ts : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON (a line cut by a crash, say): it has no time, so no window holds it.
        }

        return null;
    }

    /// <summary>Each complete line from <paramref name="start"/> to <paramref name="end"/>: its offset, the next one's, its text.</summary>
    private static IEnumerable<(long Offset, long Next, string Text)> Lines(string path, long start, long end)
    {
        // Share everything: the process that owns the file keeps writing (and may roll it) while it is read.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, BufferSize);
        stream.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[BufferSize];
        var pending = new MemoryStream();
        var lineStart = start;
        var position = start;
        int read;
        while (position < end && (read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, end - position))) > 0)
        {
            var from = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                pending.Write(buffer, from, i - from);
                var next = position + i + 1;
                yield return (lineStart, next, Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length).TrimEnd('\r'));
                pending.SetLength(0);
                lineStart = next;
                from = i + 1;
            }

            pending.Write(buffer, from, read - from);
            position += read;
        }
    }
}
