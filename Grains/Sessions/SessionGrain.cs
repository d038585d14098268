using Microsoft.Extensions.Logging;
using Sonia.Grains.Breakers;
using Sonia.Grains.Conversations.Memory;
using Sonia.Grains.Conversations.Routing;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Grains.Storage;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Sessions;

/// <inheritdoc cref="ISessionGrain"/>
/// <remarks>
/// Split by concern: this file the lifecycle, <c>.Turn</c> the turn pipeline, <c>.Events</c> the observers and the
/// results of actions that end after their turn.
/// </remarks>
public sealed partial class SessionGrain(
    [PersistentState(stateName: "session", storageName: SoniaStorage.Name)] IPersistentState<SessionState> state,
    IMemoryStore memory,
    IRouter router,
    ICircuitBreakers breakers,
    ToolOffer tools,
    SessionOptions options,
    MemoryOptions memoryOptions,
    RouterOptions routerOptions,
    TimeProvider time,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain
{
    public Task<SessionView> OpenAsync() => OpenAsync(string.Empty);

    public async Task<SessionView> OpenAsync(string openedBy)
    {
        if (state.State.CreatedAt is null)
        {
            state.State.CreatedAt = time.GetUtcNow();
            state.State.CorrelationId = CorrelationId.Current ?? CorrelationId.NewSystemId();
            state.State.OpenedBy = openedBy;
            await state.WriteStateAsync();
            LogOpened(logger, SessionId);
        }

        return View();
    }

    public Task<SessionView?> GetAsync() =>
        Task.FromResult(state.State.CreatedAt is null ? null : View());

    private string SessionId => this.GetPrimaryKeyString();

    private SessionView View() => new(
        SessionId,
        state.State.CreatedAt!.Value,
        state.State.CorrelationId,
        state.State.TurnCount)
    {
        OpenedBy = state.State.OpenedBy,
        Turns = state.State.Turns.ToList(),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} opened")]
    private static partial void LogOpened(ILogger logger, string sessionId);
}
