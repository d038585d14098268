using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Hosting.Logging;

/// <summary>Where and how much the JSON Lines sink writes.</summary>
public sealed class LoggingOptions
{
    public const string SectionName = "Sonia:Logging";

    /// <summary>Folder of the <c>*.jsonl</c> files; relative paths are under <c>Sonia:DataPath</c>.</summary>
    [Required]
    public string Directory { get; set; } = "logs";

    /// <summary>A file rolls over to a new one when it reaches this size.</summary>
    [Range(1024, long.MaxValue)]
    public long FileSizeLimitBytes { get; set; } = 64L * 1024 * 1024;

    [Range(1, 1000)]
    public int RetainedFileCount { get; set; } = 10;
}

/// <summary>Checks the log settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class LoggingOptionsValidator : IValidateOptions<LoggingOptions>;
