using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace Sonia.Grains.Storage;

/// <summary>
/// Stores grain state as plain snake_case JSON without .NET type names, so a renamed class or namespace
/// never makes stored state unreadable, and a backup or an operator can read a row as it is (enums by name).
/// </summary>
public sealed class SnakeCaseJsonGrainStorageSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,

        // Enums as their names ("half_open", not 2), so a row reads as it is; integers written before still read.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: true) },
    };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T? Deserialize<T>(BinaryData input) => JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options);
}
