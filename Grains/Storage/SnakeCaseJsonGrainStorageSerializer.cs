using System.Text.Json;
using Orleans.Storage;

namespace Sonia.Grains.Storage;

/// <summary>
/// Stores grain state as plain snake_case JSON without .NET type names, so a renamed class or namespace
/// never makes stored state unreadable, and a backup or an operator can read a row as it is.
/// </summary>
public sealed class SnakeCaseJsonGrainStorageSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T? Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options);
}
