using System.Text.Json.Serialization;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>
/// The body of a <see cref="Subscriptions.WebhookFormat.Slack"/> webhook: a Slack incoming-webhook message with Block
/// Kit blocks and a plain <see cref="Text"/> for notifications and clients without blocks.
/// </summary>
public sealed record SlackMessage(string Text, IReadOnlyList<SlackBlock> Blocks);

/// <summary>A <c>header</c>, <c>section</c> or <c>context</c> block.</summary>
public sealed record SlackBlock(string Type)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SlackText? Text { get; init; }

    /// <summary>The texts of a <c>context</c> block.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SlackText>? Elements { get; init; }

    public static SlackBlock Header(string text) => new("header") { Text = new SlackText("plain_text", text) };

    public static SlackBlock Section(string mrkdwn) => new("section") { Text = new SlackText("mrkdwn", mrkdwn) };

    public static SlackBlock Context(string mrkdwn) => new("context") { Elements = [new SlackText("mrkdwn", mrkdwn)] };
}

/// <summary>A text object: <c>plain_text</c> or <c>mrkdwn</c>.</summary>
public sealed record SlackText(string Type, string Text);
