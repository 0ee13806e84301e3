using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaperFeed.IntegrationTests.Infrastructure;
using PaperFeed.Testing;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.IntegrationTests.Notifications.Webhooks;

/// <summary>
/// The real <see cref="WebhookSender"/> from real DI against a loopback receiver. Only 127.0.0.1/32 is allowed, so
/// the SSRF guard stays active for everything else; host names go through a test resolver, never real DNS.
/// </summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _secret = WebhookSignature.GenerateSecret();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
    private readonly TestResolver _resolver = new();
    private readonly List<ServiceProvider> _providers = [];
    private WebhookReceiver _receiver = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync(_secret, _time);

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _receiver.DisposeAsync();
    }

    private INotificationSender Sender(bool allowLoopback = true, TimeSpan? timeout = null)
    {
        var settings = new Dictionary<string, string?>();
        if (allowLoopback)
        {
            settings["PaperFeed:Webhooks:AllowedNetworks:0"] = "127.0.0.1/32";
        }

        if (timeout is { } t)
        {
            settings["PaperFeed:Webhooks:Timeout"] = t.ToString("c", CultureInfo.InvariantCulture);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<IWebhookHostResolver>(_resolver)
            .AddPaperFeedWebhooks(configuration)
            .BuildServiceProvider();
        _providers.Add(services);
        return services.GetRequiredService<INotificationSender>();
    }

    private Notification To(string url, WebhookFormat format = WebhookFormat.Standard, Delivery? delivery = null, int attempt = 1) =>
        new(delivery ?? WebhookSamples.Alert(), WebhookSamples.Subscription(url, format, _secret), null, null, attempt);

    private Notification To(Uri url, WebhookFormat format = WebhookFormat.Standard, Delivery? delivery = null, int attempt = 1) =>
        To(url.ToString(), format, delivery, attempt);

    private async Task<SendResult> SendAsync(INotificationSender sender, Notification notification) =>
        await sender.SendAsync(notification, Cancellation).WaitAsync(Patience, Cancellation);

    [Fact]
    public async Task DeliversASignedStandardAlert()
    {
        var result = await SendAsync(Sender(), To(_receiver.Url("/hooks/paperfeed")));

        Assert.Equal(SendOutcome.Delivered, result.Outcome);
        Assert.Equal(200, result.StatusCode);
        var received = Assert.Single(_receiver.Received);
        Assert.Null(received.VerificationFailure);
        Assert.Equal("/hooks/paperfeed", received.Path);
        Assert.Equal("dlv_01JDALERT00000000000000000", received.Id);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), received.Timestamp);
        Assert.Equal("application/json", received.Header("Content-Type"));
        Assert.Equal("PaperFeed-Webhooks/1.0", received.Header("User-Agent"));
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal("paper.added", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("arxiv:2611.00001", body.RootElement.GetProperty("data").GetProperty("paper").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData(WebhookFormat.Slack, "blocks")]
    [InlineData(WebhookFormat.Discord, "embeds")]
    public async Task DeliversChatFormatsSignedToo(WebhookFormat format, string property)
    {
        var result = await SendAsync(Sender(), To(_receiver.Url("/chat"), format, WebhookSamples.Digest(100)));

        Assert.Equal(SendOutcome.Delivered, result.Outcome);
        var received = Assert.Single(_receiver.Received);
        Assert.True(received.Verified, received.VerificationFailure);
        using var body = JsonDocument.Parse(received.Body);
        Assert.True(body.RootElement.TryGetProperty(property, out _));
    }

    [Fact]
    public async Task ServerErrorsAreRetriedWithTheStatusAndTheStartOfTheBody()
    {
        _receiver.Answer("/broken", 500, "database on fire\nplease hold");

        var result = await SendAsync(Sender(), To(_receiver.Url("/broken")));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Equal(500, result.StatusCode);
        Assert.Equal("answered 500 Internal Server Error: database on fire please hold", result.Error);
        Assert.Null(result.RetryAfter);
        Assert.True(Assert.Single(_receiver.Received).Verified);
    }

    [Fact]
    public async Task TooManyRequestsIsRetriedAfterTheDelayAsked()
    {
        _receiver.Answer("/busy", 429, "slow down", retryAfter: "120");

        var result = await SendAsync(Sender(), To(_receiver.Url("/busy")));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Equal(429, result.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(120), result.RetryAfter);
        Assert.StartsWith("answered 429 Too Many Requests", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetryAfterAsAnHttpDateIsRelativeToTheSendersClock()
    {
        _receiver.Answer("/maintenance", 503, retryAfter: WebhookReceiver.HttpDate(_time.GetUtcNow().AddSeconds(90)));

        var result = await SendAsync(Sender(), To(_receiver.Url("/maintenance")));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Equal(503, result.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(90), result.RetryAfter);
    }

    [Fact]
    public async Task OtherClientErrorsAreRetried()
    {
        _receiver.Answer("/missing", 404, "no such hook");

        var result = await SendAsync(Sender(), To(_receiver.Url("/missing")));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Equal(404, result.StatusCode);
        Assert.Equal("answered 404 Not Found: no such hook", result.Error);
    }

    [Fact]
    public async Task GonePausesTheSubscription()
    {
        _receiver.Answer("/removed", 410);

        var result = await SendAsync(Sender(), To(_receiver.Url("/removed")));

        Assert.Equal(SendOutcome.PauseSubscription, result.Outcome);
        Assert.Equal(410, result.StatusCode);
        Assert.Equal("410 Gone: the receiver removed this endpoint", result.Error);
    }

    [Fact]
    public async Task RedirectsAreNotFollowed()
    {
        _receiver.Redirect("/moved", "http://169.254.169.254/latest/meta-data");

        var result = await SendAsync(Sender(), To(_receiver.Url("/moved")));

        Assert.Equal(SendOutcome.Dead, result.Outcome);
        Assert.Equal(302, result.StatusCode);
        Assert.Equal("answered 302 with a redirect to http://169.254.169.254/latest/meta-data; webhooks do not follow redirects", result.Error);
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task ARedirectToAnAllowedAddressIsNotFollowedEither()
    {
        _receiver.Redirect("/moved", _receiver.Url("/new-home").ToString(), 307);

        var result = await SendAsync(Sender(), To(_receiver.Url("/moved")));

        Assert.Equal(SendOutcome.Dead, result.Outcome);
        Assert.Equal(307, result.StatusCode);
        Assert.Equal("/moved", Assert.Single(_receiver.Received).Path);
    }

    [Fact]
    public async Task AReceiverThatDoesNotAnswerTimesOutOnTheSendersClock()
    {
        // Longer than the test waits in real time: only the sender's (fake) clock can end the attempt.
        _receiver.Hang("/slow");
        var sender = Sender(timeout: TimeSpan.FromMinutes(2));

        var sending = sender.SendAsync(To(_receiver.Url("/slow")), Cancellation);
        await _receiver.WaitForAsync(1, Patience);
        _time.Advance(TimeSpan.FromSeconds(119));
        Assert.False(sending.IsCompleted, "119 s is not yet the timeout");
        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await sending.WaitAsync(Patience, Cancellation);

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Null(result.StatusCode);
        Assert.Equal("no answer within 120 s", result.Error);
    }

    [Fact]
    public async Task TheCallersCancellationIsThrown()
    {
        _receiver.Hang("/slow");
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);

        var sending = Sender().SendAsync(To(_receiver.Url("/slow")), caller.Token);
        await _receiver.WaitForAsync(1, Patience);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending.WaitAsync(Patience, Cancellation));
    }

    [Fact]
    public async Task OnlyTheStartOfAnEndlessBodyIsRead()
    {
        // A sender that read to the end would never answer.
        _receiver.Huge("/verbose");

        var result = await SendAsync(Sender(), To(_receiver.Url("/verbose")));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Equal(500, result.StatusCode);
        var prefix = "answered 500 Internal Server Error: ";
        Assert.StartsWith(prefix, result.Error, StringComparison.Ordinal);
        Assert.Equal(WebhookSender.ErrorSnippetLength, result.Error!.Length - prefix.Length);

        // And it hung up rather than draining the rest.
        await _receiver.HugeBodyWritten("/verbose").WaitAsync(Patience, Cancellation);
    }

    [Fact]
    public async Task AHostResolvingToAPrivateAddressIsRefusedWithoutConnecting()
    {
        _resolver.Map("hooks.example.test", [IPAddress.Parse("10.0.0.5")]);

        var result = await SendAsync(Sender(), To($"http://hooks.example.test:{_receiver.Port}/hook"));

        Assert.Equal(SendOutcome.Dead, result.Outcome);
        Assert.Null(result.StatusCode);
        Assert.Equal(
            "webhook host 'hooks.example.test' resolves to 10.0.0.5, a private address; set PaperFeed:Webhooks:AllowPrivateNetworks " +
            "or add it to PaperFeed:Webhooks:AllowedNetworks to allow it",
            result.Error);
        Assert.Equal(1, _resolver.Calls("hooks.example.test"));
    }

    [Fact]
    public async Task AHostResolvingToLoopbackWithoutTheAllowanceGetsNoConnection()
    {
        _resolver.Map("loopback.example.test", [IPAddress.Loopback]);

        var result = await SendAsync(Sender(allowLoopback: false), To($"http://loopback.example.test:{_receiver.Port}/hook"));

        Assert.Equal(SendOutcome.Dead, result.Outcome);
        Assert.StartsWith("webhook host 'loopback.example.test' resolves to 127.0.0.1, a loopback address", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _receiver.Connections);
    }

    [Fact]
    public async Task LocalhostWithoutTheAllowanceIsRefused()
    {
        // The default resolver: localhost is loopback without asking DNS.
        var configuration = new ConfigurationBuilder().Build();
        await using var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddPaperFeedWebhooks(configuration)
            .BuildServiceProvider();
        Assert.IsType<DnsWebhookHostResolver>(services.GetRequiredService<IWebhookHostResolver>());

        var result = await SendAsync(services.GetRequiredService<INotificationSender>(), To($"http://localhost:{_receiver.Port}/hook"));

        Assert.Equal(SendOutcome.Dead, result.Outcome);
        Assert.Contains("a loopback address", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _receiver.Connections);
    }

    [Fact]
    public async Task ALiteralLoopbackAddressWithoutTheAllowanceGetsNoConnection()
    {
        var result = await SendAsync(Sender(allowLoopback: false), To(_receiver.Url("/hook")));

        Assert.Equal(SendOutcome.Dead, result.Outcome);
        Assert.StartsWith("webhook address 127.0.0.1 is a loopback address", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, _receiver.Connections);
    }

    [Fact]
    public async Task TheConnectionGoesToTheAddressThatWasChecked()
    {
        // A rebinding resolver: an allowed address first, a private one on every later question.
        _resolver.Map("rebind.example.test", [IPAddress.Loopback], [IPAddress.Parse("10.0.0.5")]);

        var result = await SendAsync(Sender(), To($"http://rebind.example.test:{_receiver.Port}/hook"));

        Assert.Equal(SendOutcome.Delivered, result.Outcome);
        var received = Assert.Single(_receiver.Received);
        Assert.True(received.Verified);
        Assert.Equal($"rebind.example.test:{_receiver.Port}", received.Header("Host"));
        Assert.Equal(1, _resolver.Calls("rebind.example.test"));
    }

    [Fact]
    public async Task RefusedAddressesOfAHostAreSkippedForAPermittedOne()
    {
        _resolver.Map("mixed.example.test", [IPAddress.Parse("10.0.0.5"), IPAddress.Parse("169.254.169.254"), IPAddress.Loopback]);

        var result = await SendAsync(Sender(), To($"http://mixed.example.test:{_receiver.Port}/hook"));

        Assert.Equal(SendOutcome.Delivered, result.Outcome);
        Assert.Equal(IPAddress.Loopback, Assert.Single(_receiver.Received).RemoteAddress?.MapToIPv4());
    }

    [Fact]
    public async Task ARetryKeepsTheIdAndIsSignedAfresh()
    {
        _receiver.FailFirst("/flaky", 1, 503);
        var sender = Sender();
        var delivery = WebhookSamples.Alert();

        var first = await SendAsync(sender, To(_receiver.Url("/flaky"), delivery: delivery, attempt: 1));
        _time.Advance(TimeSpan.FromSeconds(5));
        var second = await SendAsync(sender, To(_receiver.Url("/flaky"), delivery: delivery, attempt: 2));

        Assert.Equal(SendOutcome.Retry, first.Outcome);
        Assert.Equal(503, first.StatusCode);
        Assert.Equal(SendOutcome.Delivered, second.Outcome);
        var attempts = _receiver.ForId(delivery.Id);
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.True(a.Verified, a.VerificationFailure));
        Assert.Equal(5, long.Parse(attempts[1].Timestamp!, CultureInfo.InvariantCulture) - long.Parse(attempts[0].Timestamp!, CultureInfo.InvariantCulture));
        Assert.NotEqual(attempts[0].Signature, attempts[1].Signature);
        Assert.Equal(attempts[0].Body, attempts[1].Body);
    }

    [Fact]
    public async Task ARefusedConnectionIsRetried()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await SendAsync(Sender(), To($"http://127.0.0.1:{port}/hook"));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Null(result.StatusCode);
        Assert.Contains("refused", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AHostThatDoesNotResolveIsRetried()
    {
        var result = await SendAsync(Sender(), To($"http://nowhere.example.test:{_receiver.Port}/hook"));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Contains("nowhere.example.test", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, _resolver.Calls("nowhere.example.test"));
    }

    /// <summary>Answers from a table; the last answer of a host repeats. Unknown hosts do not resolve.</summary>
    private sealed class TestResolver : IWebhookHostResolver
    {
        private readonly ConcurrentDictionary<string, IPAddress[][]> _answers = new(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.OrdinalIgnoreCase);

        public void Map(string host, params IPAddress[][] answers) => _answers[host] = answers;

        public int Calls(string host) => _calls.GetValueOrDefault(host);

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            var call = _calls.AddOrUpdate(host, 1, (_, n) => n + 1);
            return _answers.TryGetValue(host, out var answers)
                ? Task.FromResult(answers[Math.Min(call, answers.Length) - 1])
                : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
        }
    }
}
