using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Digest;
using PaperFeed.Worker.Notifications.Email;

namespace PaperFeed.Tests.Notifications.Email;

/// <summary><see cref="EmailComposer"/>: addresses, subject lines, headers and the order of a digest.</summary>
public sealed class EmailComposerTests
{
    private static readonly EmailTemplates Templates = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.Zero));
    private readonly EmailComposer _composer;

    public EmailComposerTests()
    {
        var smtp = new SmtpOptions { From = "alerts@paperfeed.example.org", FromName = "PaperFeed Alerts" };
        _composer = new EmailComposer(Templates, Options.Create(smtp), _clock);
    }

    private Task<MimeMessage> ComposeAsync(Notification notification) =>
        _composer.ComposeAsync(notification, TestContext.Current.CancellationToken);

    [Fact]
    public async Task AnAlertGoesFromTheConfiguredSenderToTheSubscriber()
    {
        var message = await ComposeAsync(EmailSamples.Alert());

        var from = Assert.IsType<MailboxAddress>(Assert.Single(message.From));
        Assert.Equal("PaperFeed Alerts", from.Name);
        Assert.Equal("alerts@paperfeed.example.org", from.Address);
        Assert.Equal(EmailSamples.Address, Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal("New paper: Sparse Mixtures of Experts at Scale", message.Subject);
        Assert.Equal(_clock.GetUtcNow(), message.Date);
    }

    [Fact]
    public async Task TheMessageIdIsTheDeliveryIdOnEveryAttempt()
    {
        var first = await ComposeAsync(EmailSamples.Alert());
        _clock.Advance(TimeSpan.FromMinutes(5));
        var retry = await ComposeAsync(EmailSamples.Alert());

        Assert.Equal($"{EmailSamples.DeliveryId}@paperfeed.example.org", first.MessageId);
        Assert.Equal(first.MessageId, retry.MessageId);
        Assert.Equal($"<{EmailSamples.DeliveryId}@paperfeed.example.org>", first.Headers[HeaderId.MessageId]);
        Assert.Equal(first.Date.AddMinutes(5), retry.Date);
    }

    [Fact]
    public async Task AlertsAndDigestsCarryOneClickUnsubscribe()
    {
        foreach (var notification in new[] { EmailSamples.Alert(), EmailSamples.Alert(revised: true), EmailSamples.Digest(EmailSamples.DigestPapers()) })
        {
            var message = await ComposeAsync(notification);

            Assert.Equal($"<{EmailSamples.UnsubscribeUrl.AbsoluteUri}>", message.Headers["List-Unsubscribe"]);
            Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
            Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
            Assert.Equal(EmailSamples.DeliveryId, message.Headers[EmailComposer.DeliveryHeader]);
        }
    }

    [Fact]
    public async Task TheConfirmationHasNoUnsubscribeHeaders()
    {
        var message = await ComposeAsync(EmailSamples.Confirmation());

        Assert.Equal("Confirm your PaperFeed subscription", message.Subject);
        Assert.False(message.Headers.Contains("List-Unsubscribe"));
        Assert.False(message.Headers.Contains("List-Unsubscribe-Post"));
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        Assert.Equal(EmailSamples.DeliveryId, message.Headers[EmailComposer.DeliveryHeader]);
        Assert.Contains(EmailSamples.ConfirmUrl.AbsoluteUri, message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheBodyIsPlainTextThenHtml()
    {
        var message = await ComposeAsync(EmailSamples.Alert());

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Collection(
            alternative,
            part => Assert.True(part.ContentType.IsMimeType("text", "plain")),
            part => Assert.True(part.ContentType.IsMimeType("text", "html")));
        Assert.Contains("Sparse Mixtures of Experts at Scale", message.TextBody, StringComparison.Ordinal);
        Assert.Contains(">Sparse Mixtures of Experts at Scale</a>", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARevisionSaysRevisedAndWhichVersion()
    {
        var message = await ComposeAsync(EmailSamples.Alert(EmailSamples.Paper(version: 3), revised: true));

        Assert.Equal("Revised: Sparse Mixtures of Experts at Scale", message.Subject);
        Assert.Contains("Revised to v3", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Revised to v3", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATitleOnSeveralLinesMakesAOneLineSubject()
    {
        var message = await ComposeAsync(EmailSamples.Alert(EmailSamples.Paper("Sparse\n   Mixtures <of> Experts")));

        Assert.Equal("New paper: Sparse Mixtures <of> Experts", message.Subject);
    }

    [Theory]
    [InlineData("2026-11-27", "Your daily digest: 3 papers – Friday 27 November 2026")]
    [InlineData("2026-W48", "Your weekly digest: 3 papers – week 48, 2026")]
    public async Task ADigestSubjectNamesTheCadenceCountAndPeriod(string periodKey, string subject)
    {
        var message = await ComposeAsync(EmailSamples.Digest(EmailSamples.DigestPapers(), periodKey));

        Assert.Equal(subject, message.Subject);
    }

    [Fact]
    public void AOnePaperDigestSaysPaper()
    {
        Assert.Equal("Your weekly digest: 1 paper – week 48, 2026", EmailComposer.DigestSubject("weekly", 1, "week 48, 2026"));
    }

    [Fact]
    public async Task ADigestListsItsPapersInTrendingOrder()
    {
        var papers = EmailSamples.DigestPapers();
        var expected = TrendingScore.Rank(papers, EmailSamples.Created).Select(p => p.Paper.Title).ToList();
        Assert.NotEqual(papers.Select(p => p.Paper.Title), expected); // the input order is not already the answer
        Assert.Equal(["Hot Paper", "Fresh Paper", "Quiet Paper"], expected);

        var message = await ComposeAsync(EmailSamples.Digest(papers));

        Assert.Equal(expected, TitlesInOrder(message.TextBody, expected));
        Assert.Contains("1. Hot Paper\n", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("2. Fresh Paper\n", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("3. Quiet Paper\n", message.TextBody, StringComparison.Ordinal);
        Assert.Equal(expected, TitlesInOrder(message.HtmlBody, expected));
    }

    [Fact]
    public async Task AStoredRankingIsKept()
    {
        // The digest was ranked when it was made: the scores it carries decide, not a ranking at send time.
        IReadOnlyList<DeliveryPaper> papers =
        [
            EmailSamples.DigestPapers()[1] with { Score = 0.2 },
            EmailSamples.DigestPapers()[0] with { Score = 0.9 },
            EmailSamples.DigestPapers()[2] with { Score = 0.5 },
        ];

        var message = await ComposeAsync(EmailSamples.Digest(papers));

        string[] expected = ["Quiet Paper", "Fresh Paper", "Hot Paper"];
        Assert.Equal(expected, TitlesInOrder(message.TextBody, expected));
    }

    [Fact]
    public async Task RankingIsTheSameOnARetryLater()
    {
        var notification = EmailSamples.Digest(EmailSamples.DigestPapers());

        var first = await ComposeAsync(notification);
        _clock.Advance(TimeSpan.FromDays(2));
        var retry = await ComposeAsync(notification);

        Assert.Equal(first.TextBody, retry.TextBody);
    }

    [Fact]
    public async Task WithoutAnUnsubscribeLinkAnAlertIsNotComposed()
    {
        var notification = EmailSamples.Alert() with { UnsubscribeUrl = null };

        var error = await Assert.ThrowsAsync<EmailCompositionException>(() => ComposeAsync(notification));
        Assert.False(error.BadRecipient);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not an address")]
    [InlineData("nobody@")]
    public async Task AnUnusableAddressIsABadRecipient(string address)
    {
        var error = await Assert.ThrowsAsync<EmailCompositionException>(() => ComposeAsync(EmailSamples.Alert(address: address)));

        Assert.True(error.BadRecipient);
    }

    [Fact]
    public async Task ALinkThatIsNotAWebLinkIsLeftOut()
    {
        var paper = EmailSamples.Paper(links: new() { Abstract = "https://arxiv.org/abs/2611.01234", Code = "javascript:alert(1)" });

        var message = await ComposeAsync(EmailSamples.Alert(paper));

        Assert.DoesNotContain("javascript", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript", message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Code:", message.TextBody, StringComparison.Ordinal);
    }

    // The given titles sorted by where they appear in the body.
    private static List<string> TitlesInOrder(string? body, IEnumerable<string> titles)
    {
        Assert.NotNull(body);
        var positions = titles.ToDictionary(t => t, t => body.IndexOf(t, StringComparison.Ordinal));
        Assert.All(positions, p => Assert.True(p.Value >= 0, $"{p.Key} is missing"));
        return positions.OrderBy(p => p.Value).Select(p => p.Key).ToList();
    }
}
