using System.Text.Json;
using PaperFeed.Testing;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Tests.Notifications.Webhooks;

public sealed class WebhookPayloadsTests
{
    private static readonly Subscription Standard = WebhookSamples.Subscription("https://hooks.example.com/", WebhookFormat.Standard);

    private static JsonElement Json(Delivery delivery, WebhookFormat format)
    {
        using var doc = JsonDocument.Parse(WebhookPayloads.Serialize(delivery, Standard, format));
        return doc.RootElement.Clone();
    }

    private static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public void StandardAlertHasTypeTimestampAndData()
    {
        var json = Json(WebhookSamples.Alert(), WebhookFormat.Standard);

        Assert.Equal(["type", "timestamp", "data"], Names(json));
        Assert.Equal("paper.added", json.GetProperty("type").GetString());
        Assert.Equal("2026-11-27T08:00:00+00:00", json.GetProperty("timestamp").GetString());
        var data = json.GetProperty("data");
        Assert.Equal(["subscription_id", "subscription_name", "paper"], Names(data));
        Assert.Equal("sub_01JDEXAMPLE0000000000000000", data.GetProperty("subscription_id").GetString());
        Assert.Equal("LLM papers", data.GetProperty("subscription_name").GetString());
    }

    [Fact]
    public void StandardPaperHasThePublishedShape()
    {
        var paper = Json(WebhookSamples.Alert(), WebhookFormat.Standard).GetProperty("data").GetProperty("paper");

        Assert.Equal(
            ["id", "title", "authors", "abstract", "categories", "sources", "version", "published_at", "withdrawn_at", "links", "metrics"],
            Names(paper));
        Assert.Equal("arxiv:2611.00001", paper.GetProperty("id").GetString());
        Assert.Equal(["Ada Lovelace", "Alan Turing"], paper.GetProperty("authors").EnumerateArray().Select(a => a.GetString()!));
        Assert.Equal(2, paper.GetProperty("version").GetInt32());
        Assert.Equal("2026-11-26T18:00:00+00:00", paper.GetProperty("published_at").GetString());
        Assert.Equal(JsonValueKind.Null, paper.GetProperty("withdrawn_at").ValueKind);
        Assert.Equal(["abstract", "pdf", "code", "project"], Names(paper.GetProperty("links")));
        Assert.Equal("https://arxiv.org/pdf/2611.00001v2", paper.GetProperty("links").GetProperty("pdf").GetString());
        Assert.Equal(JsonValueKind.Null, paper.GetProperty("links").GetProperty("project").ValueKind);
        Assert.Equal(["upvotes", "comments", "github_stars"], Names(paper.GetProperty("metrics")));
        Assert.Equal(120, paper.GetProperty("metrics").GetProperty("github_stars").GetInt32());
    }

    [Fact]
    public void RevisionsAreTypedAsSuch()
    {
        var json = Json(WebhookSamples.Alert(@event: "paper.revised"), WebhookFormat.Standard);

        Assert.Equal("paper.revised", json.GetProperty("type").GetString());
    }

    [Fact]
    public void StandardDigestListsEveryPaperRanked()
    {
        var json = Json(WebhookSamples.Digest(30), WebhookFormat.Standard);

        Assert.Equal("digest", json.GetProperty("type").GetString());
        var data = json.GetProperty("data");
        Assert.Equal(["key", "start", "end"], Names(data.GetProperty("period")));
        Assert.Equal("2026-W48", data.GetProperty("period").GetProperty("key").GetString());
        var papers = data.GetProperty("papers").EnumerateArray().ToList();
        Assert.Equal(30, papers.Count);
        Assert.Equal(Enumerable.Range(1, 30), papers.Select(p => p.GetProperty("rank").GetInt32()));
        Assert.Equal(100.0, papers[0].GetProperty("score").GetDouble());
        Assert.Equal("arxiv:2611.00030", papers[29].GetProperty("id").GetString());
        Assert.Contains("github_stars", papers[0].GetProperty("metrics").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void ScoresJsonCannotCarryAreLeftOut()
    {
        var json = Json(WebhookSamples.Digest(2, paper: n => WebhookSamples.Paper(n, score: n == 1 ? double.NaN : double.PositiveInfinity)), WebhookFormat.Standard);

        Assert.All(json.GetProperty("data").GetProperty("papers").EnumerateArray(), p => Assert.Equal(JsonValueKind.Null, p.GetProperty("score").ValueKind));
    }

    [Fact]
    public void AlertPapersCarryNoRank()
    {
        var paper = Json(WebhookSamples.Alert(), WebhookFormat.Standard).GetProperty("data").GetProperty("paper");

        Assert.False(paper.TryGetProperty("rank", out _));
        Assert.False(paper.TryGetProperty("score", out _));
    }

    [Fact]
    public void ConfirmationsAreNotWebhooks()
    {
        var confirmation = WebhookSamples.Alert() with { Kind = DeliveryKind.Confirmation, Event = "subscription.confirm", Papers = [] };

        Assert.Throws<NotSupportedException>(() => WebhookPayloads.Serialize(confirmation, Standard, WebhookFormat.Standard));
        Assert.Throws<NotSupportedException>(() => WebhookPayloads.Serialize(confirmation, Standard, WebhookFormat.Slack));
    }

    [Fact]
    public void SlackAlertLinksTheTitleInAMrkdwnSection()
    {
        var json = Json(WebhookSamples.Alert(), WebhookFormat.Slack);

        Assert.Equal("New paper: Paper number 1: a study of things", json.GetProperty("text").GetString());
        var section = json.GetProperty("blocks")[0];
        Assert.Equal("section", section.GetProperty("type").GetString());
        Assert.Equal("mrkdwn", section.GetProperty("text").GetProperty("type").GetString());
        var text = section.GetProperty("text").GetProperty("text").GetString()!;
        Assert.StartsWith("*<https://arxiv.org/abs/2611.00001v2|Paper number 1: a study of things>*", text, StringComparison.Ordinal);
        Assert.Contains("Ada Lovelace, Alan Turing", text, StringComparison.Ordinal);
        Assert.Contains("We study thing 1.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SlackEscapesAmpersandAndAngleBrackets()
    {
        var paper = WebhookSamples.Paper(title: "Q&A <b>bold</b> for <!channel>", @abstract: "x < y && y > z");
        var json = Json(WebhookSamples.Alert(paper), WebhookFormat.Slack);

        var text = json.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.Contains("|Q&amp;A &lt;b&gt;bold&lt;/b&gt; for &lt;!channel&gt;>*", text, StringComparison.Ordinal);
        Assert.Contains("x &lt; y &amp;&amp; y &gt; z", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<!channel>", json.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(49)]
    public void SlackDigestStaysWithinSlackLimits(int count)
    {
        // Long, escape-heavy titles and abstracts: the worst case for the limits.
        var json = Json(
            WebhookSamples.Digest(count, paper: n => WebhookSamples.Paper(n, title: string.Concat(Enumerable.Repeat("R&D <", 200)), @abstract: new string('&', 5000))),
            WebhookFormat.Slack);

        var blocks = json.GetProperty("blocks").EnumerateArray().ToList();
        Assert.InRange(blocks.Count, 3, WebhookPayloads.SlackMaxBlocks);
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        Assert.InRange(blocks[0].GetProperty("text").GetProperty("text").GetString()!.Length, 1, WebhookPayloads.SlackMaxHeaderText);
        var sections = blocks.Where(b => b.GetProperty("type").GetString() == "section").Select(b => b.GetProperty("text").GetProperty("text").GetString()!).ToList();
        Assert.All(sections, s => Assert.InRange(s.Length, 1, WebhookPayloads.SlackMaxSectionText));
        Assert.InRange(sections.Sum(s => s.Length), 1, WebhookPayloads.SlackMaxBlockCharacters);
        var trailer = blocks[^1];
        Assert.Equal("context", trailer.GetProperty("type").GetString());
        Assert.Equal($"…and {count - sections.Count} more papers in this digest ({count} in all).", trailer.GetProperty("elements")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void SlackDigestOfHundredOrdinaryPapersListsAsManyAsFit()
    {
        var json = Json(WebhookSamples.Digest(100), WebhookFormat.Slack);

        var blocks = json.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(WebhookPayloads.SlackMaxBlocks, blocks.Count);
        Assert.StartsWith("1. *<https://arxiv.org/abs/2611.00001v2|", blocks[1].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("…and 52 more papers in this digest (100 in all).", blocks[^1].GetProperty("elements")[0].GetProperty("text").GetString());
        Assert.Equal("PaperFeed digest 2026-W48 · LLM papers: 100 papers", json.GetProperty("text").GetString());
    }

    [Fact]
    public void SlackDigestThatFitsSaysNothingMore()
    {
        var blocks = Json(WebhookSamples.Digest(3), WebhookFormat.Slack).GetProperty("blocks").EnumerateArray().ToList();

        Assert.Equal(4, blocks.Count);
        Assert.All(blocks.Skip(1), b => Assert.Equal("section", b.GetProperty("type").GetString()));
    }

    [Fact]
    public void DiscordAlertIsOneEmbedWithMentionsOff()
    {
        var json = Json(WebhookSamples.Alert(), WebhookFormat.Discord);

        Assert.Equal("New paper for LLM papers", json.GetProperty("content").GetString());
        Assert.Empty(json.GetProperty("allowed_mentions").GetProperty("parse").EnumerateArray());
        var embed = Assert.Single(json.GetProperty("embeds").EnumerateArray());
        Assert.Equal("Paper number 1: a study of things", embed.GetProperty("title").GetString());
        Assert.Equal("https://arxiv.org/abs/2611.00001v2", embed.GetProperty("url").GetString());
        Assert.Contains("Ada Lovelace, Alan Turing", embed.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains(embed.GetProperty("fields").EnumerateArray(), f => f.GetProperty("name").GetString() == "Code" && f.GetProperty("value").GetString() == "https://github.com/example/paper-1");
    }

    [Fact]
    public void DiscordEscapesMarkdownSoLinksCannotBeMasked()
    {
        var paper = WebhookSamples.Paper(@abstract: "Click [here](https://evil.example) for *free* `code`");
        var description = Json(WebhookSamples.Alert(paper), WebhookFormat.Discord).GetProperty("embeds")[0].GetProperty("description").GetString()!;

        Assert.Contains(@"Click \[here\](https://evil.example) for \*free\* \`code\`", description, StringComparison.Ordinal);
    }

    [Fact]
    public void DiscordAlertWithHugeTextStaysWithinLimits()
    {
        var paper = WebhookSamples.Paper(title: new string('T', 1000), @abstract: new string('*', 10_000), authors: Enumerable.Range(1, 3000).Select(i => $"Author {i}").ToList());
        var embed = Json(WebhookSamples.Alert(paper), WebhookFormat.Discord).GetProperty("embeds")[0];

        Assert.Equal(WebhookPayloads.DiscordMaxTitle, embed.GetProperty("title").GetString()!.Length);
        Assert.InRange(embed.GetProperty("description").GetString()!.Length, 1, WebhookPayloads.DiscordMaxDescription);
        Assert.InRange(CountedLength(embed), 1, WebhookPayloads.DiscordMaxEmbedCharacters);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DiscordDigestOfHundredPapersStaysWithinLimits(bool hugeText)
    {
        // Huge texts make ten embeds longer than the 6000 characters a message may carry.
        var longNames = Enumerable.Range(1, 8).Select(i => $"Author {i} " + new string('n', 300)).ToList();
        var delivery = hugeText
            ? WebhookSamples.Digest(100, paper: n => WebhookSamples.Paper(n, title: new string('T', 1000), @abstract: new string('_', 10_000), authors: longNames))
            : WebhookSamples.Digest(100);
        var json = Json(delivery, WebhookFormat.Discord);

        var embeds = json.GetProperty("embeds").EnumerateArray().ToList();
        Assert.InRange(embeds.Count, 1, hugeText ? WebhookPayloads.DiscordMaxEmbeds - 1 : WebhookPayloads.DiscordMaxEmbeds);
        Assert.All(embeds, e => Assert.InRange(e.GetProperty("title").GetString()!.Length, 1, WebhookPayloads.DiscordMaxTitle));
        Assert.InRange(embeds.Sum(CountedLength), 1, WebhookPayloads.DiscordMaxEmbedCharacters);
        var content = json.GetProperty("content").GetString()!;
        Assert.InRange(content.Length, 1, WebhookPayloads.DiscordMaxContent);
        Assert.EndsWith($"100 papers; the first {embeds.Count} below, {100 - embeds.Count} more not shown", content, StringComparison.Ordinal);
        Assert.StartsWith("1. ", embeds[0].GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DiscordDigestThatFitsListsEveryPaper()
    {
        var json = Json(WebhookSamples.Digest(4), WebhookFormat.Discord);

        Assert.Equal(4, json.GetProperty("embeds").GetArrayLength());
        Assert.Equal("PaperFeed digest 2026-W48 · LLM papers: 4 papers", json.GetProperty("content").GetString());
    }

    [Fact]
    public void TruncationNeverSplitsASurrogatePair()
    {
        var paper = WebhookSamples.Paper(title: string.Concat(Enumerable.Repeat("🧪", 400)));
        var title = Json(WebhookSamples.Alert(paper), WebhookFormat.Discord).GetProperty("embeds")[0].GetProperty("title").GetString()!;

        Assert.InRange(title.Length, 1, WebhookPayloads.DiscordMaxTitle);
        Assert.EndsWith("🧪…", title, StringComparison.Ordinal);
    }

    [Fact]
    public void NonHttpLinksAreNotLinked()
    {
        var paper = WebhookSamples.Paper() is var p
            ? p with { Paper = p.Paper with { Links = new PaperFeed.Contracts.PaperLinks { Abstract = "javascript:alert(1)" } } }
            : null!;
        var slack = Json(WebhookSamples.Alert(paper), WebhookFormat.Slack).GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;
        var discord = Json(WebhookSamples.Alert(paper), WebhookFormat.Discord).GetProperty("embeds")[0];

        Assert.StartsWith("*Paper number 1", slack, StringComparison.Ordinal);
        Assert.False(discord.TryGetProperty("url", out _));
    }

    private static int CountedLength(JsonElement embed) =>
        embed.GetProperty("title").GetString()!.Length
        + (embed.TryGetProperty("description", out var d) ? d.GetString()!.Length : 0)
        + (embed.TryGetProperty("fields", out var f) ? f.EnumerateArray().Sum(x => x.GetProperty("name").GetString()!.Length + x.GetProperty("value").GetString()!.Length) : 0);
}
