using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaperFeed.Worker.Sources.HuggingFace;

/// <summary>
/// What a <c>huggingface</c> poll hands the next one, e.g.
/// <c>{"through":"2024-10-23","fullPages":{"2024-10-24":1,"2024-10-25":0}}</c>.
/// </summary>
/// <param name="Through">
/// The last date that needs no more reading: every date up to it was read in a poll when it was at least two
/// days old (or lies before the first date PaperFeed chose to read). The next poll starts the day after.
/// </param>
/// <param name="FullPages">
/// For each date still to be re-read, how many full pages (as many items as the limit) it had last time. A page
/// answered 304 Not Modified has no body to count, so this says whether another page follows it.
/// </param>
public sealed record HuggingFaceCheckpoint(
    [property: JsonPropertyName("through")] string Through,
    [property: JsonPropertyName("fullPages")] SortedDictionary<string, int>? FullPages = null)
{
    private const string DateFormat = "yyyy-MM-dd";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    [JsonIgnore]
    public DateOnly ThroughDate => Date(Through) ?? throw new InvalidOperationException($"checkpoint date '{Through}' is not yyyy-MM-dd");

    public static string Format(DateOnly date) => date.ToString(DateFormat, CultureInfo.InvariantCulture);

    public static DateOnly? Date(string? text) =>
        DateOnly.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>Full pages of <paramref name="date"/> last time, or null when unknown.</summary>
    public int? FullPagesOf(DateOnly date) =>
        FullPages is { } pages && pages.TryGetValue(Format(date), out var n) && n >= 0 ? n : null;

    /// <summary>The checkpoint in <paramref name="text"/>, or null (with the reason) when there is none or it cannot be read.</summary>
    public static HuggingFaceCheckpoint? TryRead(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            var checkpoint = JsonSerializer.Deserialize<HuggingFaceCheckpoint>(text, Json);
            if (checkpoint is not null && Date(checkpoint.Through) is not null)
            {
                return checkpoint;
            }
        }
        catch (JsonException)
        {
            // Reported below like any other unreadable checkpoint.
        }

        problem = $"checkpoint '{(text.Length > 100 ? text[..100] + "…" : text)}' is not {{\"through\":\"yyyy-MM-dd\"}}";
        return null;
    }

    public string Write() => JsonSerializer.Serialize(this, Json);
}
