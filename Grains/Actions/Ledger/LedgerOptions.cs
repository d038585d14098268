using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>How the action ledger group-commits: writers in parallel, each committing up to a batch at once.</summary>
public sealed class LedgerOptions
{
    public const string SectionName = "Sonia:Ledger";

    /// <summary>Connections committing in parallel; each takes whatever queued while the previous commit ran.</summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 2;

    [Range(1, 10000)]
    public int MaxBatch { get; set; } = 256;
}

/// <summary>Checks the ledger settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class LedgerOptionsValidator : IValidateOptions<LedgerOptions>;
