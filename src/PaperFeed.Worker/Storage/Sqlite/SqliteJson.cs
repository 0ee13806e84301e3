using System.Text.Json;
using System.Text.Json.Serialization;
using PaperFeed.Contracts;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Storage.Sqlite;

/// <summary>The JSON documents kept in the <c>doc</c> columns (source-generated, camelCase, nulls left out).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(StoredPaper))]
[JsonSerializable(typeof(SourceState))]
[JsonSerializable(typeof(Subscription))]
[JsonSerializable(typeof(Delivery))]
[JsonSerializable(typeof(PaperSummary))]
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

    public static string Write(Subscription subscription) => JsonSerializer.Serialize(subscription, Default.Subscription);

    public static Subscription ReadSubscription(string json) =>
        JsonSerializer.Deserialize(json, Default.Subscription)
        ?? throw new InvalidDataException("sqlite subscription store: a subscriptions.doc column holds JSON null");

    public static string Write(Delivery delivery) => JsonSerializer.Serialize(delivery, Default.Delivery);

    public static Delivery ReadDelivery(string json) =>
        JsonSerializer.Deserialize(json, Default.Delivery)
        ?? throw new InvalidDataException("sqlite delivery store: a deliveries.doc column holds JSON null");

    public static string Write(PaperSummary paper) => JsonSerializer.Serialize(paper, Default.PaperSummary);

    public static PaperSummary ReadSummary(string json) =>
        JsonSerializer.Deserialize(json, Default.PaperSummary)
        ?? throw new InvalidDataException("sqlite delivery store: a digest_items.doc column holds JSON null");
}
