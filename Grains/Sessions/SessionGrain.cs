using Microsoft.Extensions.Logging;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Grains.Storage;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Sessions;

/// <inheritdoc cref="ISessionGrain"/>
public sealed partial class SessionGrain(
    [PersistentState(stateName: "session", storageName: SoniaStorage.Name)] IPersistentState<SessionState> state,
    TimeProvider time,
    ILogger<SessionGrain> logger) : Grain, ISessionGrain
{
    public async Task<SessionView> OpenAsync()
    {
        if (state.State.CreatedAt is null)
        {
            state.State.CreatedAt = time.GetUtcNow();
            state.State.CorrelationId = CorrelationId.Current ?? CorrelationId.NewSystemId();
            await state.WriteStateAsync();
            LogOpened(logger, this.GetPrimaryKeyString());
        }

        return View();
    }

    public Task<SessionView?> GetAsync() =>
        Task.FromResult(state.State.CreatedAt is null ? null : View());

    public Task<TurnResult> RunTurnAsync(TurnRequest request) =>
        throw new NotSupportedException("The turn pipeline is not built yet.");

    public Task SubscribeAsync(ISessionObserver observer) => Task.CompletedTask;

    public Task UnsubscribeAsync(ISessionObserver observer) => Task.CompletedTask;

    private SessionView View() => new(
        this.GetPrimaryKeyString(),
        state.State.CreatedAt!.Value,
        state.State.CorrelationId,
        state.State.TurnCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} opened")]
    private static partial void LogOpened(ILogger logger, string sessionId);
}
