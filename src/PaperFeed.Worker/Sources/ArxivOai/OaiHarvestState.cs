using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaperFeed.Worker.Sources.ArxivOai;

/// <summary>
/// Where a harvest stands: the window asked for (metadata format, set, from, until), the resumptionToken of the
/// next page, and what was harvested so far. Saved as the checkpoint after every page, so a restart continues
/// mid-list; once the list is complete, <see cref="Done"/> is set and <see cref="Next"/> says where the next
/// (incremental) window starts. Example:
/// <c>{"prefix":"arXiv","set":"cs","from":"2024-01-25","token":"6960524|1001","harvested":1001,"size":1162,"done":false}</c>.
/// </summary>
public sealed record OaiHarvestState
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Prefix { get; init; }
    public string? Set { get; init; }
    public DateOnly? From { get; init; }
    public DateOnly? Until { get; init; }

    /// <summary>The resumptionToken that asks for the next page; null before the first page and after the last.</summary>
    public string? Token { get; init; }

    /// <summary>Records of this window read so far (deleted and unreadable ones included, as the repository counts).</summary>
    public long Harvested { get; init; }

    /// <summary>The repository's completeListSize for this window, once a page told it.</summary>
    public long? Size { get; init; }

    /// <summary>The whole list of this window was read.</summary>
    public bool Done { get; init; }

    /// <summary>Once <see cref="Done"/>: the <c>from</c> of the next window.</summary>
    public DateOnly? Next { get; init; }

    /// <summary>A new window, before its first page.</summary>
    public static OaiHarvestState Start(OaiQuery query, DateOnly? from, DateOnly? until) =>
        new() { Prefix = query.MetadataPrefix, Set = query.Set, From = from, Until = until };

    /// <summary>True when this state harvests what <paramref name="query"/> asks (a token of another format or set is useless).</summary>
    public bool IsFor(OaiQuery query) =>
        Prefix == query.MetadataPrefix && string.Equals(Set, query.Set, StringComparison.Ordinal);

    public string ToCheckpoint() => JsonSerializer.Serialize(this, Json);

    /// <summary>The state in a checkpoint; null when there is none or it cannot be read (the harvest then starts afresh).</summary>
    public static OaiHarvestState? FromCheckpoint(string? checkpoint)
    {
        if (string.IsNullOrWhiteSpace(checkpoint))
        {
            return null;
        }

        try
        {
            var state = JsonSerializer.Deserialize<OaiHarvestState>(checkpoint, Json);
            return string.IsNullOrEmpty(state?.Prefix) ? null : state;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>"2024-01-01..2024-01-31"; open ends are "start" and "now".</summary>
    [JsonIgnore]
    public string Window => $"{From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "start"}..{Until?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "now"}";
}
