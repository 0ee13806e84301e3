using System.Text.Json.Serialization;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>
/// The body of a <see cref="Subscriptions.WebhookFormat.Discord"/> webhook: an execute-webhook message with embeds.
/// Mentions are switched off, so a title containing <c>@everyone</c> pings nobody.
/// </summary>
public sealed record DiscordMessage(string Content, IReadOnlyList<DiscordEmbed> Embeds)
{
    public DiscordAllowedMentions AllowedMentions { get; init; } = new([]);
}

public sealed record DiscordEmbed(string Title)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Url { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DiscordEmbedField>? Fields { get; init; }

    /// <summary>The characters Discord counts towards its 6000 per message: title, description, field names and values.</summary>
    [JsonIgnore]
    public int CountedLength => Title.Length + (Description?.Length ?? 0) + (Fields?.Sum(f => f.Name.Length + f.Value.Length) ?? 0);
}

public sealed record DiscordEmbedField(string Name, string Value, bool Inline = false);

/// <summary>Which mentions may ping: <c>{"parse": []}</c> is none.</summary>
public sealed record DiscordAllowedMentions(IReadOnlyList<string> Parse);
