using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using PaperFeed.Contracts;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Email;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.IntegrationTests.Notifications.Email;

/// <summary>
/// The real <see cref="SmtpEmailSender"/>, resolved from <see cref="EmailSetup.AddPaperFeedEmail"/>, sending to an
/// <see cref="SmtpReceiver"/> on loopback: what arrives, and how each refusal is reported.
/// </summary>
public sealed class SmtpEmailSenderTests : IAsyncLifetime
{
    private const string DeliveryId = "dlv_01JDQ7X8Y9Z0ABCDEFGHJKMNPQ";
    private const string Reader = "reader@example.net";
    private const string From = "alerts@paperfeed.test";
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 7, 0, 0, TimeSpan.Zero);
    private static readonly Uri UnsubscribeUrl = new("https://paperfeed.test/unsubscribe/sub_1?token=abc&sig=xyz");
    private static readonly Uri ConfirmUrl = new("https://paperfeed.test/confirm/sub_1?token=def");

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly List<ServiceProvider> _providers = [];
    private SmtpReceiver _receiver = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _receiver = await SmtpReceiver.StartAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task AnAlertArrivesWithItsHeadersAndBothParts()
    {
        var result = await Sender().SendAsync(Alert(), Cancel);

        Assert.Equal(new SendResult(SendOutcome.Delivered, 250), result);
        var mail = Assert.Single(_receiver.Received);
        Assert.Equal(From, mail.From);
        Assert.Equal([Reader], mail.To);

        var message = mail.Message;
        Assert.Equal("New paper: Sparse Mixtures of Experts at Scale", message.Subject);
        Assert.Equal($"{DeliveryId}@paperfeed.test", message.MessageId);
        Assert.Equal(Now, message.Date);
        Assert.Equal($"<{UnsubscribeUrl.AbsoluteUri}>", message.Headers["List-Unsubscribe"]?.Trim());
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        Assert.Equal(DeliveryId, message.Headers["X-PaperFeed-Delivery"]);

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Contains("Sparse Mixtures of Experts at Scale", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Abstract: https://arxiv.org/abs/2611.01234", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("PDF:      https://arxiv.org/pdf/2611.01234", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Code:     https://github.com/example/sparse-moe", message.TextBody, StringComparison.Ordinal);
        Assert.Contains($"Unsubscribe: {UnsubscribeUrl.AbsoluteUri}", message.TextBody, StringComparison.Ordinal);
        Assert.Equal(
            [
                "https://arxiv.org/abs/2611.01234", // the title
                "https://arxiv.org/abs/2611.01234",
                "https://arxiv.org/pdf/2611.01234",
                "https://github.com/example/sparse-moe",
                UnsubscribeUrl.AbsoluteUri,
            ],
            Links(message.HtmlBody));
    }

    [Fact]
    public async Task ADigestArrivesRankedWithUnsubscribeHeaders()
    {
        var result = await Sender().SendAsync(Digest(), Cancel);

        Assert.Equal(SendOutcome.Delivered, result.Outcome);
        var message = await _receiver.WaitForMessageAsync(cancellationToken: Cancel);
        Assert.Equal("Your daily digest: 2 papers – Friday 27 November 2026", message.Subject);
        Assert.Equal($"<{UnsubscribeUrl.AbsoluteUri}>", message.Headers["List-Unsubscribe"]?.Trim());
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Matches("(?s)1\\. Popular Paper\n.*2\\. Quiet Paper\n", message.TextBody);
        Assert.Matches("(?s)>1\\.</span> <a[^>]*>Popular Paper</a>.*>2\\.</span> <a[^>]*>Quiet Paper</a>", message.HtmlBody);
        Assert.Equal(UnsubscribeUrl.AbsoluteUri, Links(message.HtmlBody)[^1]);
    }

    [Fact]
    public async Task TheConfirmationArrivesWithItsLinkAndNoUnsubscribeHeaders()
    {
        var result = await Sender().SendAsync(Confirmation(), Cancel);

        Assert.Equal(SendOutcome.Delivered, result.Outcome);
        var message = await _receiver.WaitForMessageAsync(m => m.Subject == "Confirm your PaperFeed subscription", cancellationToken: Cancel);
        Assert.False(message.Headers.Contains("List-Unsubscribe"));
        Assert.False(message.Headers.Contains("List-Unsubscribe-Post"));
        Assert.Equal($"{DeliveryId}@paperfeed.test", message.MessageId);
        Assert.Contains(ConfirmUrl.AbsoluteUri, message.TextBody, StringComparison.Ordinal);
        Assert.Contains(ConfirmUrl.AbsoluteUri, Links(message.HtmlBody));
    }

    [Fact]
    public async Task ATemporaryRefusalIsRetriedAndTheRetryHasTheSameMessageId()
    {
        var sender = Sender();
        _receiver.FailTemporarily(1);

        var first = await sender.SendAsync(Alert(), Cancel);

        Assert.Equal(SendOutcome.Retry, first.Outcome);
        Assert.Equal(451, first.StatusCode);
        Assert.Contains("451 4.3.0 try again later", first.Error, StringComparison.Ordinal);
        Assert.Contains($"{_receiver.Host}:{_receiver.Port}", first.Error, StringComparison.Ordinal);
        Assert.Equal(0, _receiver.Count);

        _clock.Advance(TimeSpan.FromMinutes(5));
        var second = await sender.SendAsync(Alert() with { Attempt = 2 }, Cancel);

        Assert.Equal(SendOutcome.Delivered, second.Outcome);
        var message = await _receiver.WaitForMessageAsync(cancellationToken: Cancel);
        Assert.Equal($"{DeliveryId}@paperfeed.test", message.MessageId);
        Assert.Equal(Now.AddMinutes(5), message.Date);
    }

    [Fact]
    public async Task ARefusedMailboxPausesTheSubscription()
    {
        _receiver.RejectRecipient(Reader);

        var result = await Sender().SendAsync(Alert(), Cancel);

        Assert.Equal(SendOutcome.PauseSubscription, result.Outcome);
        Assert.Equal(550, result.StatusCode);
        Assert.StartsWith("mailbox bouncing: 550 ", result.Error, StringComparison.Ordinal);
        Assert.Contains(Reader, result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _receiver.Count);
        Assert.Equal(1, _receiver.Refused);
    }

    [Fact]
    public async Task AnotherRecipientIsStillDeliveredWhenOneMailboxIsRefused()
    {
        _receiver.RejectRecipient("gone@example.net");

        var result = await Sender().SendAsync(Alert(), Cancel);

        Assert.Equal(SendOutcome.Delivered, result.Outcome);
        Assert.Equal([Reader], (await WaitForMailAsync()).To);
    }

    [Fact]
    public async Task ARefusedMessageIsDead()
    {
        _receiver.RejectMessages();

        var result = await Sender().SendAsync(Alert(), Cancel);

        Assert.Equal(SendOutcome.Dead, result.Outcome);
        Assert.Equal(554, result.StatusCode);
        Assert.Contains("554 5.7.1 message content refused", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _receiver.Count);
    }

    [Fact]
    public async Task NothingListeningIsRetriedNamingTheServer()
    {
        var port = FreePort();

        var result = await Sender(port: port).SendAsync(Alert(), Cancel);

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Null(result.StatusCode);
        Assert.Contains($"127.0.0.1:{port}", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatNeverAnswersIsRetriedAfterTheTimeout()
    {
        // Accepts the connection and never says hello.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var settings = new Dictionary<string, string?> { ["PaperFeed:Smtp:Timeout"] = "00:00:00.500" };

        var result = await Sender(port: port, extra: settings).SendAsync(Alert(), Cancel);

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Equal($"SMTP server 127.0.0.1:{port} did not answer within 0.5 s", result.Error);
    }

    [Fact]
    public async Task WrongCredentialsAreRetriedNamingTheUser()
    {
        _receiver.RequireCredentials("paperfeed", "right");
        var settings = new Dictionary<string, string?> { ["PaperFeed:Smtp:UserName"] = "paperfeed", ["PaperFeed:Smtp:Password"] = "wrong" };

        var result = await Sender(extra: settings).SendAsync(Alert(), Cancel);

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.StartsWith("SMTP authentication failed for user paperfeed", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _receiver.Count);
    }

    [Fact]
    public async Task TheRightCredentialsLogIn()
    {
        _receiver.RequireCredentials("paperfeed", "right");
        var settings = new Dictionary<string, string?> { ["PaperFeed:Smtp:UserName"] = "paperfeed", ["PaperFeed:Smtp:Password"] = "right" };

        var result = await Sender(extra: settings).SendAsync(Alert(), Cancel);

        Assert.Equal(SendOutcome.Delivered, result.Outcome);
        await _receiver.WaitForCountAsync(1, cancellationToken: Cancel);
    }

    [Fact]
    public async Task CancellingTheCallerThrowsInsteadOfReporting()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sender().SendAsync(Alert(), cancelled.Token));
        Assert.Equal(0, _receiver.Count);
    }

    private async Task<ReceivedMail> WaitForMailAsync()
    {
        await _receiver.WaitForCountAsync(1, cancellationToken: Cancel);
        return _receiver.Received[0];
    }

    /// <summary>The e-mail sender as the worker would resolve it, pointed at the receiver (or <paramref name="port"/>).</summary>
    private INotificationSender Sender(int? port = null, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PaperFeed:Smtp:Host"] = _receiver.Host,
            ["PaperFeed:Smtp:Port"] = (port ?? _receiver.Port).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PaperFeed:Smtp:Security"] = "None",
            ["PaperFeed:Smtp:From"] = From,
            ["PaperFeed:Smtp:FromName"] = "PaperFeed",
            ["PaperFeed:Smtp:Timeout"] = "00:00:10",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddPaperFeedEmail(configuration);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider.GetServices<INotificationSender>().Single(s => s.Channel == ChannelKind.Email);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string[] Links(string? html)
    {
        Assert.NotNull(html);
        return Regex.Matches(html, "href=\"([^\"]*)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToArray();
    }

    private static PaperSummary Paper(string title, int upvotes, DateTimeOffset publishedAt) => new(
        title,
        "We study sparse mixtures of experts and show that routing tokens by learned affinity improves quality.",
        ["Ada Lovelace", "Alan Turing"],
        ["cs.LG"],
        ["huggingface"],
        1,
        publishedAt,
        new PaperLinks
        {
            Abstract = "https://arxiv.org/abs/2611.01234",
            Pdf = "https://arxiv.org/pdf/2611.01234",
            Code = "https://github.com/example/sparse-moe",
        },
        new PaperMetrics { Upvotes = upvotes },
        null,
        1);

    private static Subscription Subscription() => new()
    {
        Id = "sub_01JDQ7X8Y9Z0ABCDEFGHJKMNPQ",
        Name = "Mixture of experts",
        Channel = new SubscriptionChannel { Kind = ChannelKind.Email, Address = Reader },
        Filter = new SubscriptionFilter { Keywords = ["mixture of experts"] },
    };

    private static Delivery Delivery(DeliveryKind kind, string @event, IReadOnlyList<DeliveryPaper> papers) => new()
    {
        Id = DeliveryId,
        Key = $"sub_1|{@event}",
        SubscriptionId = "sub_01JDQ7X8Y9Z0ABCDEFGHJKMNPQ",
        Kind = kind,
        Event = @event,
        Channel = ChannelKind.Email,
        Papers = papers,
        CreatedAt = Now,
    };

    private static Notification Alert() => new(
        Delivery(DeliveryKind.Alert, "paper.added", [new DeliveryPaper("arxiv:2611.01234", Paper("Sparse Mixtures of Experts at Scale", 42, Now.AddHours(-3)))]),
        Subscription(),
        UnsubscribeUrl,
        null,
        1);

    private static Notification Digest() => new(
        Delivery(DeliveryKind.Digest, "digest",
        [
            new DeliveryPaper("arxiv:2611.00001", Paper("Quiet Paper", 1, Now.AddHours(-20))),
            new DeliveryPaper("arxiv:2611.00002", Paper("Popular Paper", 80, Now.AddHours(-10))),
        ]) with
        { Period = new DigestPeriod("2026-11-27", Now.AddDays(-1), Now) },
        Subscription(),
        UnsubscribeUrl,
        null,
        1);

    private static Notification Confirmation() => new(
        Delivery(DeliveryKind.Confirmation, "subscription.confirm", []),
        Subscription() with { Status = SubscriptionStatus.Pending },
        null,
        ConfirmUrl,
        1);
}
