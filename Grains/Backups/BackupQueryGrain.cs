using Orleans.Concurrency;
using Sonia.Grains.Interfaces.Backups;

namespace Sonia.Grains.Backups;

/// <inheritdoc cref="IBackupQueryGrain"/>
[StatelessWorker]
public sealed class BackupQueryGrain(BackupStore store) : Grain, IBackupQueryGrain
{
    public Task<IReadOnlyList<BackupView>> ListAsync(int limit) => store.ListAsync(limit);
}
