using Microsoft.Extensions.Options;

namespace Sonia.Grains.Retention;

/// <summary>Checks the data annotations and the window rule of <see cref="RetentionOptions"/> (source-generated).</summary>
[OptionsValidator]
public sealed partial class RetentionOptionsValidator : IValidateOptions<RetentionOptions>;
