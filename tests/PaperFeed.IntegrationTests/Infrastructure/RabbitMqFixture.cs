using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DotNet.Testcontainers.Containers;
using Testcontainers.RabbitMq;
using Xunit;

namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>
/// A RabbitMQ broker for the integration tests, found in this order: the broker named by
/// <c>PAPERFEED_TEST_RABBITMQ</c> (an amqp URI); a Testcontainers broker when Docker is available; otherwise none,
/// and <see cref="Available"/> is false with <see cref="UnavailableReason"/> saying why.
/// Tests isolate themselves in a fresh virtual host each (<see cref="CreateVirtualHostAsync"/>), because exchanges,
/// queues and bindings outlive a test run and would otherwise leak between tests.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    public const string BrokerVariable = "PAPERFEED_TEST_RABBITMQ";
    public const string ManagementVariable = "PAPERFEED_TEST_RABBITMQ_MANAGEMENT";

    // The management image, so that virtual hosts can be created through the HTTP API as on a systemwide broker.
    private const string ContainerImage = "rabbitmq:3.13-management";
    private const int ManagementPort = 15672;

    private readonly ConcurrentBag<string> _createdVirtualHosts = [];
    private RabbitMqContainer? _container;
    private HttpClient? _management;
    private string? _misconfiguration;

    /// <summary>True when a broker is there to test against.</summary>
    public bool Available => AmqpUri is not null;

    /// <summary>Why there is no broker (null when <see cref="Available"/>).</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>Where the broker came from: the environment variable or Testcontainers (null when none).</summary>
    public string? Source { get; private set; }

    /// <summary>The broker's amqp URI, default virtual host (null when unavailable). Tests should use their own vhost.</summary>
    public Uri? AmqpUri { get; private set; }

    /// <summary>The base URL of the broker's management HTTP API (null when unavailable).</summary>
    public Uri? ManagementUri { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(BrokerVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            UseConfiguredBroker(configured.Trim());
            return;
        }

        if (!Docker.MayBeAvailable())
        {
            UnavailableReason = $"no RabbitMQ: set {BrokerVariable}=amqp://… or run Docker for Testcontainers " +
                $"({Docker.Absent})";
            return;
        }

        await StartContainerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_management is not null)
        {
            // Best effort: a vhost left behind on a shared broker is only clutter, and failing the run over it
            // would hide the real results.
            foreach (var vhost in _createdVirtualHosts)
            {
                try
                {
                    using var response = await _management.DeleteAsync(VirtualHostPath(vhost));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Console.Error.WriteLine($"RabbitMqFixture: could not delete vhost '{vhost}': {ex.Message}");
                }
            }

            _management.Dispose();
        }

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    /// <summary>Skips the calling test, saying why, when there is no broker.</summary>
    public void SkipIfUnavailable()
    {
        // A broker that was asked for but is misconfigured is a failure, not a skip: a skip would read as "fine".
        if (_misconfiguration is not null)
        {
            throw new InvalidOperationException(_misconfiguration);
        }

        if (!Available)
        {
            Assert.Skip(UnavailableReason ?? "no RabbitMQ");
        }
    }

    /// <summary>
    /// Creates a uniquely named virtual host (named after <paramref name="hint"/>, e.g. the test class), grants the
    /// fixture's user full permissions on it, and returns the amqp URI that connects to it. The vhost is deleted
    /// when the fixture is disposed. Skips the test when there is no broker or its management API is unreachable.
    /// </summary>
    public async Task<string> CreateVirtualHostAsync(string hint)
    {
        SkipIfUnavailable();
        var amqp = AmqpUri!;
        var management = _management!;
        var vhost = $"paperfeed-{Sanitize(hint)}-{Guid.NewGuid():N}";
        var (user, _) = Credentials(amqp);
        var ct = TestContext.Current.CancellationToken;

        try
        {
            using (var created = await management.PutAsync(VirtualHostPath(vhost), JsonContent.Create(new { }), ct))
            {
                await EnsureSuccessAsync(created, $"create vhost '{vhost}'", ct);
            }

            _createdVirtualHosts.Add(vhost);

            var permissions = JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" });
            var permissionsPath = $"api/permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(user)}";
            using (var granted = await management.PutAsync(permissionsPath, permissions, ct))
            {
                await EnsureSuccessAsync(granted, $"grant '{user}' permissions on vhost '{vhost}'", ct);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            Assert.Skip($"RabbitMQ management API at {ManagementUri} is unreachable ({ex.Message}); creating a " +
                "virtual host per test needs the rabbitmq_management plugin (rabbitmq-plugins enable rabbitmq_management) " +
                $"or {ManagementVariable} pointing at the API");
        }

        return VirtualHostUri(amqp, vhost);
    }

    /// <summary>
    /// The broker's view of the client connections to the virtual host <paramref name="vhostUri"/> names (management
    /// API): each as its JSON object, with e.g. <c>timeout</c>, the heartbeat negotiated in seconds.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> ConnectionsAsync(string vhostUri)
    {
        SkipIfUnavailable();
        var vhost = Uri.UnescapeDataString(new Uri(vhostUri).AbsolutePath.TrimStart('/'));
        var ct = TestContext.Current.CancellationToken;
        using var response = await _management!.GetAsync($"{VirtualHostPath(vhost)}/connections", ct);
        await EnsureSuccessAsync(response, $"list the connections of vhost '{vhost}'", ct);
        return await response.Content.ReadFromJsonAsync<JsonElement[]>(ct) ?? [];
    }

    private void UseConfiguredBroker(string configured)
    {
        if (!Uri.TryCreate(configured, UriKind.Absolute, out var amqp) || amqp.Scheme is not ("amqp" or "amqps"))
        {
            _misconfiguration = $"{BrokerVariable}='{configured}' is not an amqp:// or amqps:// URI " +
                "(expected e.g. amqp://guest:guest@127.0.0.1:5672/)";
            UnavailableReason = _misconfiguration;
            return;
        }

        var managementSetting = Environment.GetEnvironmentVariable(ManagementVariable);
        if (string.IsNullOrWhiteSpace(managementSetting))
        {
            Use(amqp, new UriBuilder(Uri.UriSchemeHttp, amqp.Host, ManagementPort).Uri, BrokerVariable);
        }
        else if (Uri.TryCreate(managementSetting.Trim(), UriKind.Absolute, out var management)
            && management.Scheme is "http" or "https")
        {
            Use(amqp, management, BrokerVariable);
        }
        else
        {
            _misconfiguration = $"{ManagementVariable}='{managementSetting}' is not an absolute http(s) URL";
            UnavailableReason = _misconfiguration;
        }
    }

    private async Task StartContainerAsync()
    {
        try
        {
            var container = new RabbitMqBuilder(ContainerImage)
                .WithPortBinding(ManagementPort, assignRandomHostPort: true)
                .Build();
            _container = container;
            await container.StartAsync();

            var amqp = new Uri(container.GetConnectionString());
            var management = new UriBuilder(Uri.UriSchemeHttp, container.Hostname, container.GetMappedPublicPort(ManagementPort)).Uri;
            Use(amqp, management, $"Testcontainers ({ContainerImage})");
        }
        catch (Exception ex)
        {
            // Docker looked present (socket, DOCKER_HOST or properties file) but could not run the container.
            UnavailableReason = $"no RabbitMQ: set {BrokerVariable}=amqp://… or run Docker for Testcontainers " +
                $"(Docker seemed configured, but starting {ContainerImage} failed: {ex.GetType().Name}: {ex.Message})";
            if (_container is not null)
            {
                await _container.DisposeAsync();
                _container = null;
            }
        }
    }

    private void Use(Uri amqp, Uri management, string source)
    {
        var (user, password) = Credentials(amqp);
        var baseAddress = management.AbsoluteUri.EndsWith('/') ? management : new Uri(management.AbsoluteUri + "/");
        _management = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        AmqpUri = amqp;
        ManagementUri = baseAddress;
        Source = source;
        UnavailableReason = null;
    }


    /// <summary>User and password from the URI's user info; RabbitMQ's guest/guest when absent, as the client does.</summary>
    private static (string User, string Password) Credentials(Uri amqp)
    {
        if (string.IsNullOrEmpty(amqp.UserInfo))
        {
            return ("guest", "guest");
        }

        var parts = amqp.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }

    private static string VirtualHostUri(Uri amqp, string vhost)
    {
        var server = amqp.GetComponents(UriComponents.SchemeAndServer | UriComponents.UserInfo, UriFormat.UriEscaped);
        return $"{server}/{Uri.EscapeDataString(vhost)}{amqp.Query}";
    }

    private static string VirtualHostPath(string vhost) => $"api/vhosts/{Uri.EscapeDataString(vhost)}";

    private static string Sanitize(string hint)
    {
        var kept = new string(hint.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(60).ToArray());
        return kept.Length == 0 ? "test" : kept;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new InvalidOperationException(
                $"RabbitMQ management API: could not {what}: {(int)response.StatusCode} {response.ReasonPhrase} {body}");
        }
    }
}
