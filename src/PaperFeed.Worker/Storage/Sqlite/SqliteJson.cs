using System.Text.Json;
using System.Text.Json.Serialization;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;

namespace PaperFeed.Worker.Storage.Sqlite;

/// <summary>The JSON documents kept in the <c>doc</c> columns (source-generated, camelCase, nulls left out).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredPaper))]
[JsonSerializable(typeof(SourceState))]
internal sealed partial class SqliteJson : JsonSerializerContext
{
    public static string Write(StoredPaper paper) => JsonSerializer.Serialize(paper, Default.StoredPaper);

    public static StoredPaper ReadPaper(string json) =>
        JsonSerializer.Deserialize(json, Default.StoredPaper)
        ?? throw new InvalidDataException("sqlite paper store: a papers.doc column holds JSON null");

    public static string Write(SourceState state) => JsonSerializer.Serialize(state, Default.SourceState);

    public static SourceState ReadState(string json) =>
        JsonSerializer.Deserialize(json, Default.SourceState)
        ?? throw new InvalidDataException("sqlite source state store: a source_state.doc column holds JSON null");
}
