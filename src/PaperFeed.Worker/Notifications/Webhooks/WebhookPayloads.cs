using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications.Webhooks;

/// <summary>
/// The body of a webhook for each <see cref="WebhookFormat"/>: PaperFeed's own JSON (snake_case), a Slack message or
/// a Discord message. The chat formats stay within the receivers' limits; a digest with more papers than fit lists
/// the first ones and says how many more there are.
/// </summary>
public static class WebhookPayloads
{
    /// <summary>Slack: blocks per message, and characters of a section's text and of a header.</summary>
    public const int SlackMaxBlocks = 50;

    public const int SlackMaxSectionText = 3000;
    public const int SlackMaxHeaderText = 150;

    /// <summary>
    /// Characters of block text per message. Slack documents none below 40,000, but answers <c>msg_blocks_too_long</c>
    /// from about 13,000, so digests stay well below.
    /// </summary>
    public const int SlackMaxBlockCharacters = 12_000;

    /// <summary>Discord: embeds per message, lengths of their parts, and the 6000 characters all embeds share.</summary>
    public const int DiscordMaxEmbeds = 10;

    public const int DiscordMaxTitle = 256;
    public const int DiscordMaxDescription = 4096;
    public const int DiscordMaxFieldValue = 1024;
    public const int DiscordMaxEmbedCharacters = 6000;
    public const int DiscordMaxContent = 2000;

    /// <summary>The JSON body for <paramref name="format"/>.</summary>
    /// <exception cref="NotSupportedException">The delivery cannot be sent as a webhook (a confirmation, an alert without a paper, a digest without its period).</exception>
    public static string Serialize(Delivery delivery, Subscription subscription, WebhookFormat format) => format switch
    {
        WebhookFormat.Standard when delivery.Kind == DeliveryKind.Digest =>
            JsonSerializer.Serialize(StandardDigest(delivery, subscription), WebhookJsonContext.Default.WebhookEventDigestData),
        WebhookFormat.Standard =>
            JsonSerializer.Serialize(StandardAlert(delivery, subscription), WebhookJsonContext.Default.WebhookEventPaperAlertData),
        WebhookFormat.Slack => JsonSerializer.Serialize(Slack(delivery, subscription), WebhookJsonContext.Default.SlackMessage),
        WebhookFormat.Discord => JsonSerializer.Serialize(Discord(delivery, subscription), WebhookJsonContext.Default.DiscordMessage),
        _ => throw new NotSupportedException($"unknown webhook format {format}"),
    };

    public static WebhookEvent<PaperAlertData> StandardAlert(Delivery delivery, Subscription subscription) =>
        new(delivery.Event, delivery.CreatedAt.ToUniversalTime(), new PaperAlertData(subscription.Id, subscription.Name, Paper(AlertPaper(delivery))));

    public static WebhookEvent<DigestData> StandardDigest(Delivery delivery, Subscription subscription)
    {
        var period = DigestPeriod(delivery);
        var papers = delivery.Papers.Select((p, i) => Ranked(p, i + 1)).ToList();
        return new(
            delivery.Event,
            delivery.CreatedAt.ToUniversalTime(),
            new DigestData(
                subscription.Id,
                subscription.Name,
                new WebhookDigestPeriod(period.Key, period.Start, period.End),
                papers));
    }

    public static WebhookPaper Paper(DeliveryPaper paper)
    {
        var p = paper.Paper;
        return new WebhookPaper
        {
            Id = paper.Id,
            Title = p.Title,
            Authors = p.Authors,
            Abstract = p.Abstract,
            Categories = p.Categories,
            Sources = p.Sources,
            Version = p.Version,
            PublishedAt = p.PublishedAt?.ToUniversalTime(),
            WithdrawnAt = p.WithdrawnAt?.ToUniversalTime(),
            Links = new WebhookPaperLinks(p.Links.Abstract, p.Links.Pdf, p.Links.Code, p.Links.Project),
            Metrics = new WebhookPaperMetrics(p.Metrics.Upvotes, p.Metrics.Comments, p.Metrics.GithubStars),
        };
    }

    // JSON has no NaN or infinity.
    private static WebhookRankedPaper Ranked(DeliveryPaper paper, int rank) =>
        new(Paper(paper), rank, paper.Score is { } score && double.IsFinite(score) ? score : null);

    /// <summary>A Slack message: one mrkdwn section per paper (<c>&lt;url|title&gt;</c>, authors, a snippet of the abstract).</summary>
    public static SlackMessage Slack(Delivery delivery, Subscription subscription)
    {
        if (delivery.Kind != DeliveryKind.Digest)
        {
            var paper = AlertPaper(delivery);
            var fallback = $"{Headline(delivery, paper)}: {WebhookText.OneLine(paper.Paper.Title)}";
            return new SlackMessage(
                WebhookText.Fit(fallback, 300, WebhookText.SlackEscape),
                [
                    SlackBlock.Section(SlackSection(paper, prefix: "", titleMax: 250, authorsMax: 300, snippetMax: 1200)),
                    SlackBlock.Context(WebhookText.Fit(Facts(paper), 1000, WebhookText.SlackEscape)),
                ]);
        }

        var period = DigestPeriod(delivery);
        var total = delivery.Papers.Count;
        var blocks = new List<SlackBlock> { SlackBlock.Header(WebhookText.Fit(DigestTitle(subscription, period), SlackMaxHeaderText)) };
        var characters = blocks[0].Text!.Text.Length;
        var shown = 0;
        const int trailerReserve = 200;
        foreach (var paper in delivery.Papers)
        {
            var section = SlackSection(paper, prefix: $"{shown + 1}. ", titleMax: 200, authorsMax: 150, snippetMax: 240);
            if (blocks.Count + 2 > SlackMaxBlocks || characters + section.Length > SlackMaxBlockCharacters - trailerReserve)
            {
                break;
            }

            blocks.Add(SlackBlock.Section(section));
            characters += section.Length;
            shown++;
        }

        if (total == 0)
        {
            blocks.Add(SlackBlock.Section("No new papers matched in this period."));
        }
        else if (shown < total)
        {
            blocks.Add(SlackBlock.Context($"…and {total - shown} more {Papers(total - shown)} in this digest ({total} in all)."));
        }

        var text = $"{DigestTitle(subscription, period)}: {total} {Papers(total)}";
        return new SlackMessage(WebhookText.Fit(text, 300, WebhookText.SlackEscape), blocks);
    }

    /// <summary>A Discord message: one embed per paper, within 10 embeds and 6000 characters.</summary>
    public static DiscordMessage Discord(Delivery delivery, Subscription subscription)
    {
        if (delivery.Kind != DeliveryKind.Digest)
        {
            var paper = AlertPaper(delivery);
            var p = paper.Paper;
            var fields = new List<DiscordEmbedField>();
            if (p.Categories.Count > 0)
            {
                fields.Add(new DiscordEmbedField("Categories", WebhookText.Fit(string.Join(", ", p.Categories), DiscordMaxFieldValue, WebhookText.DiscordEscape), Inline: true));
            }

            if (p.Version is { } version)
            {
                fields.Add(new DiscordEmbedField("Version", $"v{version}", Inline: true));
            }

            if (p.PublishedAt is { } published)
            {
                fields.Add(new DiscordEmbedField("Published", WebhookText.Date(published), Inline: true));
            }

            if (p.WithdrawnAt is { } withdrawn)
            {
                fields.Add(new DiscordEmbedField("Withdrawn", WebhookText.Date(withdrawn), Inline: true));
            }

            if (WebhookText.Linkable(p.Links.Code) is { } code)
            {
                fields.Add(new DiscordEmbedField("Code", code));
            }

            var embed = new DiscordEmbed(WebhookText.Fit(WebhookText.OneLine(p.Title), DiscordMaxTitle))
            {
                Url = Link(paper),
                Description = DiscordDescription(paper, authorsMax: 400, snippetMax: 1500),
                Fields = fields.Count > 0 ? fields : null,
            };
            var content = $"{Headline(delivery, paper)} for {SubscriptionLabel(subscription)}";
            return new DiscordMessage(WebhookText.Fit(content, DiscordMaxContent, WebhookText.DiscordEscape), [embed]);
        }

        var period = DigestPeriod(delivery);
        var total = delivery.Papers.Count;
        var embeds = new List<DiscordEmbed>();
        var characters = 0;
        foreach (var paper in delivery.Papers)
        {
            var embed = new DiscordEmbed(WebhookText.Fit($"{embeds.Count + 1}. {WebhookText.OneLine(paper.Paper.Title)}", DiscordMaxTitle))
            {
                Url = Link(paper),
                Description = DiscordDescription(paper, authorsMax: 150, snippetMax: 280),
            };
            if (embeds.Count == DiscordMaxEmbeds || characters + embed.CountedLength > DiscordMaxEmbedCharacters)
            {
                break;
            }

            embeds.Add(embed);
            characters += embed.CountedLength;
        }

        var summary = total == 0
            ? "no new papers matched in this period"
            : embeds.Count < total
                ? $"{total} {Papers(total)}; the first {embeds.Count} below, {total - embeds.Count} more not shown"
                : $"{total} {Papers(total)}";
        var text = $"{WebhookText.Fit(DigestTitle(subscription, period), 500, WebhookText.DiscordEscape)}: {summary}";
        return new DiscordMessage(WebhookText.Fit(text, DiscordMaxContent), embeds);
    }

    private static string SlackSection(DeliveryPaper paper, string prefix, int titleMax, int authorsMax, int snippetMax)
    {
        var p = paper.Paper;
        var title = WebhookText.Fit(WebhookText.OneLine(p.Title), titleMax, WebhookText.SlackEscape);
        var sb = new StringBuilder(prefix);
        sb.Append(SlackUrl(Link(paper)) is { } url ? $"*<{url}|{title}>*" : $"*{title}*");
        if (p.WithdrawnAt is not null)
        {
            sb.Append(" (withdrawn)");
        }

        if (WebhookText.Authors(p.Authors) is { Length: > 0 } authors)
        {
            sb.Append('\n').Append(WebhookText.Fit(authors, authorsMax, WebhookText.SlackEscape));
        }

        if (WebhookText.OneLine(p.Abstract) is { Length: > 0 } snippet)
        {
            sb.Append('\n').Append(WebhookText.Fit(snippet, snippetMax, WebhookText.SlackEscape));
        }

        return WebhookText.Fit(sb.ToString(), SlackMaxSectionText);
    }

    /// <summary>A URL inside <c>&lt;url|label&gt;</c>: it ends at '|' or '>', and Slack reads its '&amp;' escaped.</summary>
    private static string? SlackUrl(string? url)
    {
        var escaped = url?.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("|", "%7C", StringComparison.Ordinal)
            .Replace(">", "%3E", StringComparison.Ordinal)
            .Replace("<", "%3C", StringComparison.Ordinal);
        return escaped is { Length: <= 1000 } ? escaped : null;
    }

    private static string DiscordDescription(DeliveryPaper paper, int authorsMax, int snippetMax)
    {
        var p = paper.Paper;
        var parts = new List<string>();
        if (WebhookText.Authors(p.Authors) is { Length: > 0 } authors)
        {
            parts.Add(WebhookText.Fit(authors, authorsMax, WebhookText.DiscordEscape));
        }

        if (WebhookText.OneLine(p.Abstract) is { Length: > 0 } snippet)
        {
            parts.Add(WebhookText.Fit(snippet, snippetMax, WebhookText.DiscordEscape));
        }

        return parts.Count == 0 ? "(no abstract)" : WebhookText.Fit(string.Join("\n\n", parts), DiscordMaxDescription);
    }

    /// <summary>Categories, version, dates and the code link of an alert, one line.</summary>
    private static string Facts(DeliveryPaper paper)
    {
        var p = paper.Paper;
        var facts = new List<string>();
        if (p.Categories.Count > 0)
        {
            facts.Add(string.Join(", ", p.Categories));
        }

        if (p.Version is { } version)
        {
            facts.Add($"v{version}");
        }

        if (p.PublishedAt is { } published)
        {
            facts.Add($"published {WebhookText.Date(published)}");
        }

        if (p.WithdrawnAt is { } withdrawn)
        {
            facts.Add($"withdrawn {WebhookText.Date(withdrawn)}");
        }

        if (WebhookText.Linkable(p.Links.Code) is { } code)
        {
            facts.Add($"code: {code}");
        }

        return facts.Count > 0 ? string.Join(" · ", facts) : paper.Id;
    }

    private static string Headline(Delivery delivery, DeliveryPaper paper) =>
        paper.Paper.WithdrawnAt is not null ? "Withdrawn paper"
        : delivery.Event == "paper.revised" ? "Revised paper"
        : "New paper";

    private static string DigestTitle(Subscription subscription, DigestPeriod period) =>
        $"PaperFeed digest {period.Key} · {WebhookText.OneLine(SubscriptionLabel(subscription))}";

    private static string SubscriptionLabel(Subscription subscription) =>
        string.IsNullOrWhiteSpace(subscription.Name) ? subscription.Id : subscription.Name;

    private static string Papers(int count) => count == 1 ? "paper" : "papers";

    private static string? Link(DeliveryPaper paper)
    {
        var links = paper.Paper.Links;
        return WebhookText.Linkable(links.Abstract) ?? WebhookText.Linkable(links.Pdf)
            ?? WebhookText.Linkable(links.Project) ?? WebhookText.Linkable(links.Code);
    }

    private static DeliveryPaper AlertPaper(Delivery delivery) => delivery.Kind switch
    {
        DeliveryKind.Alert when delivery.Papers.Count > 0 => delivery.Papers[0],
        DeliveryKind.Alert => throw new NotSupportedException($"alert {delivery.Id} carries no paper"),
        DeliveryKind.Confirmation => throw new NotSupportedException("subscription confirmations are sent by e-mail only"),
        _ => throw new NotSupportedException($"a {delivery.Kind} delivery is not an alert"),
    };

    private static DigestPeriod DigestPeriod(Delivery delivery) =>
        delivery.Period ?? throw new NotSupportedException($"digest {delivery.Id} has no period");
}

/// <summary>snake_case, as Standard Webhooks payloads usually are; null properties of PaperFeed's own payload are written.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebhookEvent<PaperAlertData>))]
[JsonSerializable(typeof(WebhookEvent<DigestData>))]
[JsonSerializable(typeof(SlackMessage))]
[JsonSerializable(typeof(DiscordMessage))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
