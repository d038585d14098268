using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Grains.Conversations.Memory;

/// <summary>Finds the memories that bear on a turn's text; the built-in SQL store or an external service.</summary>
public interface IMemoryStore
{
    Task<IReadOnlyList<MemoryHit>> SearchAsync(MemoryQuery query, CancellationToken cancellationToken);
}

/// <summary>
/// A search: <paramref name="Text"/> within the memories of <paramref name="SessionId"/>, or of every session of
/// <paramref name="Owner"/> when the scope is <c>user</c>; at most <paramref name="Limit"/> hits, best first.
/// </summary>
public sealed record MemoryQuery(string SessionId, string Owner, string Text, int Limit);
