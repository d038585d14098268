using Orleans.Concurrency;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions;

/// <inheritdoc cref="IActionQueryGrain"/>
[StatelessWorker]
public sealed class ActionQueryGrain(ActionReader reader) : Grain, IActionQueryGrain
{
    public const int MaxPage = 500;

    public async Task<IReadOnlyList<ActionView>> ListAsync(ActionQuery query)
    {
        var page = query with { LastN = Math.Clamp(query.LastN, 1, MaxPage) };
        var rows = await reader.ListAsync(page);
        return rows.Select(r => r.ToView()).ToList();
    }
}
