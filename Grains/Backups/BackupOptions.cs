using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Backups;

/// <summary>How many backups are kept, how often a job is retried after a crash, and where the lock files are looked for.</summary>
public sealed class BackupOptions
{
    public const string SectionName = "Sonia:Backups";

    /// <summary>Finished backups beyond the newest this many are deleted (each deletion audited) after every new backup.</summary>
    [Range(1, 1000)]
    public int Keep { get; set; } = 7;

    /// <summary>A job cut short (a silo crash) is run again until it has started this many times, then it fails and says why.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// The folder holding the lock files and <c>deploy/dependencies.frozen.txt</c>; unset: the nearest folder above the
    /// content root holding <c>Sonia.sln</c> or <c>deploy/</c>. A backup's manifest says what it did not find.
    /// </summary>
    public string? SourceRoot { get; set; }

    /// <summary>How long one backup statement may run: reading a large table, storing or hashing its artifact.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>Checks the backup settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class BackupOptionsValidator : IValidateOptions<BackupOptions>;
