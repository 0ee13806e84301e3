using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PaperFeed.Testing;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Tests.Notifications.Webhooks;

/// <summary>What the sender decides before it sends anything, and how it reads answers. Nothing here connects.</summary>
public sealed class WebhookSenderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    private static (ServiceProvider Services, INotificationSender Sender) Build(Dictionary<string, string?>? settings = null)
    {
        var services = Services(settings);
        return (services, services.GetRequiredService<INotificationSender>());
    }

    private static ServiceProvider Services(Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build();
        return new ServiceCollection()
            .AddSingleton<TimeProvider>(new FakeTimeProvider(Now))
            .AddSingleton<IWebhookHostResolver, NoResolver>()
            .AddPaperFeedWebhooks(configuration)
            .BuildServiceProvider();
    }

    private static Notification For(string url, string? secret, Delivery? delivery = null, WebhookFormat format = WebhookFormat.Standard) =>
        new(delivery ?? WebhookSamples.Alert(), WebhookSamples.Subscription(url, format, secret), null, null, 1);

    [Fact]
    public void RegistersTheWebhookSenderForTheWebhookChannel()
    {
        var (services, sender) = Build();
        using (services)
        {
            Assert.IsType<WebhookSender>(sender);
            Assert.Equal(ChannelKind.Webhook, sender.Channel);
            Assert.Equal(TimeSpan.FromSeconds(15), services.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout);
        }
    }

    [Fact]
    public void BindsOptionsFromThePaperFeedWebhooksSection()
    {
        var (services, _) = Build(new()
        {
            ["PaperFeed:Webhooks:Timeout"] = "00:00:03",
            ["PaperFeed:Webhooks:AllowedNetworks:0"] = "10.1.0.0/16",
        });
        using (services)
        {
            var policy = services.GetRequiredService<WebhookAddressPolicy>();
            Assert.Null(policy.Check(IPAddress.Parse("10.1.2.3")));
            Assert.Equal(TimeSpan.FromSeconds(3), services.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout);
        }
    }

    [Fact]
    public void UnreadableAllowedNetworksFailValidation()
    {
        using (var services = Services(new() { ["PaperFeed:Webhooks:AllowedNetworks:0"] = "10.1.0.0/99" }))
        {
            var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<WebhookOptions>>().Value);
            Assert.Contains("'10.1.0.0/99'", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http://10.0.0.5/hook", "webhook address 10.0.0.5 is a private address")]
    [InlineData("http://169.254.169.254/latest/meta-data", "the cloud metadata address")]
    [InlineData("http://[::ffff:127.0.0.1]:8080/", "a loopback address (IPv4-mapped 127.0.0.1)")]
    [InlineData("http://2130706433/", "webhook address 127.0.0.1 is a loopback address")]
    [InlineData("ftp://hooks.example.test/", "scheme 'ftp:'")]
    [InlineData("hooks.example.test/x", "relative URL")]
    public async Task RefusedUrlsAreDeadWithTheReason(string url, string expected)
    {
        var (services, sender) = Build();
        using (services)
        {
            var result = await sender.SendAsync(For(url, WebhookSignature.GenerateSecret()), TestContext.Current.CancellationToken);

            Assert.Equal(SendOutcome.Dead, result.Outcome);
            Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(null, "no signing secret")]
    [InlineData("plain-secret", "does not start with 'whsec_'")]
    public async Task MissingOrBadSecretsAreDead(string? secret, string expected)
    {
        var (services, sender) = Build();
        using (services)
        {
            var result = await sender.SendAsync(For("https://hooks.example.test/", secret), TestContext.Current.CancellationToken);

            Assert.Equal(SendOutcome.Dead, result.Outcome);
            Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConfirmationsAreDead()
    {
        var (services, sender) = Build();
        using (services)
        {
            var confirmation = WebhookSamples.Alert() with { Kind = DeliveryKind.Confirmation, Event = "subscription.confirm", Papers = [] };
            var result = await sender.SendAsync(For("https://hooks.example.test/", WebhookSignature.GenerateSecret(), confirmation), TestContext.Current.CancellationToken);

            Assert.Equal(SendOutcome.Dead, result.Outcome);
            Assert.Contains("e-mail only", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ACancelledCallerGetsAnException()
    {
        var (services, sender) = Build();
        using (services)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => sender.SendAsync(For("https://hooks.example.test/", WebhookSignature.GenerateSecret()), new CancellationToken(canceled: true)));
        }
    }

    [Fact]
    public void RetryAfterInSeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), WebhookSender.RetryAfter(RetryConditionHeaderValue.Parse("120"), Now));
    }

    [Fact]
    public void RetryAfterAsDateIsRelativeToTheClock()
    {
        var header = RetryConditionHeaderValue.Parse(Now.AddSeconds(90).ToString("R"));

        Assert.Equal(TimeSpan.FromSeconds(90), WebhookSender.RetryAfter(header, Now));
        Assert.Equal(TimeSpan.Zero, WebhookSender.RetryAfter(header, Now.AddMinutes(5)));
    }

    [Fact]
    public void NoRetryAfter()
    {
        Assert.Null(WebhookSender.RetryAfter(null, Now));
    }

    [Theory]
    [InlineData(15_000, "15 s")]
    [InlineData(1_500, "1.5 s")]
    [InlineData(500, "500 ms")]
    public void DurationsForPeople(int milliseconds, string expected)
    {
        Assert.Equal(expected, WebhookSender.Describe(TimeSpan.FromMilliseconds(milliseconds)));
    }

    /// <summary>Fails every name, so that nothing in these tests can reach a real resolver.</summary>
    private sealed class NoResolver : IWebhookHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            throw new SocketException((int)SocketError.HostNotFound);
    }
}
