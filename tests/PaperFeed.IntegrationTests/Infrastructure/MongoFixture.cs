using System.Collections.Concurrent;
using MongoDB.Driver;
using PaperFeed.Worker.Storage.Mongo;
using Testcontainers.MongoDb;
using Xunit;

namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>
/// A MongoDB server for the integration tests, found in this order: the server named by <c>PAPERFEED_TEST_MONGO</c>
/// (a connection string); a Testcontainers single-node replica set when Docker is available; otherwise none, and
/// <see cref="Available"/> is false with <see cref="UnavailableReason"/> saying why. Tests isolate themselves in a
/// fresh database each (<see cref="CreateDatabase"/>), dropped when the test is over.
/// </summary>
public sealed class MongoFixture : IAsyncLifetime
{
    public const string ServerVariable = "PAPERFEED_TEST_MONGO";

    // A replica set, as in production: w:majority, retryable writes and majority reads need one.
    private const string ContainerImage = "mongo:8.0";

    /// <summary>Tests fail fast when the server goes away rather than waiting the driver's 30 s.</summary>
    private static readonly TimeSpan ServerSelectionTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentBag<string> _createdDatabases = [];
    private MongoDbContainer? _container;
    private string? _misconfiguration;

    /// <summary>True when a server is there to test against.</summary>
    public bool Available => ConnectionString is not null;

    /// <summary>Why there is no server (null when <see cref="Available"/>).</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>Where the server came from: the environment variable or Testcontainers (null when none).</summary>
    public string? Source { get; private set; }

    /// <summary>The server's connection string (null when unavailable). Tests should use a database of their own.</summary>
    public string? ConnectionString { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(ServerVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            UseConfiguredServer(configured.Trim());
            return;
        }

        if (!Docker.MayBeAvailable())
        {
            UnavailableReason = $"no MongoDB: set {ServerVariable}=mongodb://… or run Docker for Testcontainers " +
                $"({Docker.Absent})";
            return;
        }

        await StartContainerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (ConnectionString is not null && !_createdDatabases.IsEmpty)
        {
            // Best effort: tests drop their own databases; these are the ones a crashed or cancelled test left.
            using var client = new MongoClient(ClientSettings(ConnectionString));
            foreach (var name in _createdDatabases)
            {
                try
                {
                    await client.DropDatabaseAsync(name);
                }
                catch (Exception ex) when (ex is MongoException or TimeoutException)
                {
                    Console.Error.WriteLine($"MongoFixture: could not drop database '{name}': {ex.Message}");
                }
            }
        }

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    /// <summary>Skips the calling test, saying why, when there is no server.</summary>
    public void SkipIfUnavailable()
    {
        // A server that was asked for but is misconfigured is a failure, not a skip: a skip would read as "fine".
        if (_misconfiguration is not null)
        {
            throw new InvalidOperationException(_misconfiguration);
        }

        if (!Available)
        {
            Assert.Skip(UnavailableReason ?? "no MongoDB");
        }
    }

    /// <summary>
    /// A database of its own for one test, named after <paramref name="hint"/> (e.g. the test class) and unique;
    /// skips the test when there is no server. Dispose it to drop the database.
    /// </summary>
    public MongoTestDatabase CreateDatabase(string hint)
    {
        SkipIfUnavailable();
        var name = $"pf_{Sanitize(hint)}_{Guid.NewGuid():N}";
        _createdDatabases.Add(name);
        return new MongoTestDatabase(MongoStoreSettings.Parse(ConnectionString!, name, ServerSelectionTimeout));
    }

    private void UseConfiguredServer(string configured)
    {
        try
        {
            MongoStoreSettings.Parse(configured);
        }
        catch (ArgumentException ex)
        {
            _misconfiguration = $"{ServerVariable}: {ex.Message}";
            UnavailableReason = _misconfiguration;
            return;
        }

        ConnectionString = configured;
        Source = ServerVariable;
    }

    private async Task StartContainerAsync()
    {
        try
        {
            var container = new MongoDbBuilder(ContainerImage).WithReplicaSet().Build();
            _container = container;
            await container.StartAsync();
            ConnectionString = container.GetConnectionString();
            Source = $"Testcontainers ({ContainerImage}, replica set)";
        }
        catch (Exception ex)
        {
            // Docker looked present (socket, DOCKER_HOST or properties file) but could not run the container.
            UnavailableReason = $"no MongoDB: set {ServerVariable}=mongodb://… or run Docker for Testcontainers " +
                $"(Docker seemed configured, but starting {ContainerImage} failed: {ex.GetType().Name}: {ex.Message})";
            if (_container is not null)
            {
                await _container.DisposeAsync();
                _container = null;
            }
        }
    }

    private static MongoClientSettings ClientSettings(string connectionString)
    {
        var settings = MongoClientSettings.FromConnectionString(connectionString);
        settings.ServerSelectionTimeout = ServerSelectionTimeout;
        return settings;
    }


    // Database names are at most 63 bytes: "pf_" + 16 + "_" + 32.
    private static string Sanitize(string hint)
    {
        var kept = new string(hint.Where(char.IsAsciiLetterOrDigit).Take(16).ToArray());
        return kept.Length == 0 ? "test" : kept;
    }
}

/// <summary>
/// One test's database: <see cref="OpenAsync"/> gives a store context on it (a new client each time, as a
/// restarted worker would have); disposing closes them and drops the database.
/// </summary>
public sealed class MongoTestDatabase(MongoStoreSettings settings) : IAsyncDisposable
{
    private readonly List<MongoDatabaseContext> _open = [];

    public MongoStoreSettings Settings { get; } = settings;

    /// <summary>A new context on this database, initialized (pinged, indexes created).</summary>
    public async Task<MongoDatabaseContext> OpenAsync()
    {
        var context = new MongoDatabaseContext(Settings);
        _open.Add(context);
        await context.InitializeAsync(TestContext.Current.CancellationToken);
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_open.Count > 0)
            {
                await _open[0].Database.Client.DropDatabaseAsync(Settings.DatabaseName);
            }
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException or InvalidOperationException)
        {
            Console.Error.WriteLine($"MongoTestDatabase: could not drop database '{Settings.DatabaseName}': {ex.Message}");
        }
        finally
        {
            foreach (var context in _open)
            {
                context.Dispose();
            }
        }
    }
}
