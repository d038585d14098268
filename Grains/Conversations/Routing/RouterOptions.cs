using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Conversations.Routing;

/// <summary><c>Sonia:Router</c>: the built-in rules router (offline, the default) or an OpenAI-compatible endpoint.</summary>
public sealed class RouterOptions : IValidatableObject
{
    public const string SectionName = "Sonia:Router";
    public const string Rules = "rules";
    public const string OpenAi = "openai";

    /// <summary><c>rules</c> or <c>openai</c> (any <c>/v1/chat/completions</c> server: OpenAI, Ollama, vLLM, llama.cpp).</summary>
    [RegularExpression("^(rules|openai)$")]
    public string Kind { get; set; } = Rules;

    /// <summary>The server's base URL including <c>/v1</c>, e.g. <c>http://127.0.0.1:11434/v1</c>.</summary>
    public string? BaseUrl { get; set; }

    public string? Model { get; set; }

    /// <summary>Sent as a bearer token; never logged or returned.</summary>
    [Sonia.Hosting.Database.Secret]
    public string? ApiKey { get; set; }

    /// <summary>A router slower than this is abandoned (and counts against the <c>router</c> breaker); the turn degrades.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1024L, 64L * 1024 * 1024)]
    public long MaxResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>At most this many tool calls of one reply become actions; the rest are reported as problems.</summary>
    [Range(0, 32)]
    public int MaxToolCalls { get; set; } = 8;

    public string SystemPrompt { get; set; } =
        "You are Sonia, a concise assistant. Use the tools when the user asks for something they do. " +
        "Memories that may be relevant are listed below; cite them only when they help.";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Kind != OpenAi)
        {
            yield break;
        }

        if (!HttpUrls.IsValid(BaseUrl))
        {
            yield return new ValidationResult(
                $"{validationContext.DisplayName}: BaseUrl must be an absolute http(s) URL when Kind is openai.", [nameof(BaseUrl)]);
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return new ValidationResult($"{validationContext.DisplayName}: Model is required when Kind is openai.", [nameof(Model)]);
        }
    }
}

[OptionsValidator]
public sealed partial class RouterOptionsValidator : IValidateOptions<RouterOptions>;
