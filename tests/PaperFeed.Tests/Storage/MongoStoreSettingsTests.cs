using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Storage;
using PaperFeed.Worker.Storage.Mongo;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Tests.Storage;

public sealed class MongoStoreSettingsTests
{
    [Theory]
    [InlineData("mongodb://localhost:27017/feeds", "feeds")]
    [InlineData("mongodb://localhost:27017/feeds?replicaSet=rs0", "feeds")]
    [InlineData("mongodb://localhost:27017", "paperfeed")]
    [InlineData("mongodb://localhost:27017/", "paperfeed")]
    [InlineData("mongodb://localhost/?replicaSet=rs0", "paperfeed")]
    [InlineData("  mongodb://user:pw@db.example:27018/prod?authSource=admin  ", "prod")]
    public void TheDatabaseIsTheConnectionStringsPathElsePaperfeed(string connectionString, string database)
    {
        var settings = MongoStoreSettings.Parse(connectionString);

        Assert.Equal(database, settings.DatabaseName);
    }

    [Fact]
    public void AnExplicitDatabaseNameWins()
    {
        Assert.Equal("other", MongoStoreSettings.Parse("mongodb://localhost/feeds", "other").DatabaseName);
    }

    [Fact]
    public void HostsListEveryServerWithItsPort()
    {
        var settings = MongoStoreSettings.Parse("mongodb://a.example:27017,b.example:27018,c.example/?replicaSet=rs0");

        Assert.Equal("a.example:27017, b.example:27018, c.example:27017", settings.Hosts);
    }

    [Fact]
    public void TheServerSelectionTimeoutIsShortUnlessTheConnectionStringSetsOne()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), MongoStoreSettings.Parse("mongodb://localhost/").ServerSelectionTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), MongoStoreSettings.Parse("mongodb://localhost/?serverSelectionTimeoutMS=1500").ServerSelectionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), MongoStoreSettings.Parse("mongodb://localhost/?serverSelectionTimeoutMS=1500", serverSelectionTimeout: TimeSpan.FromSeconds(1)).ServerSelectionTimeout);
    }

    [Theory]
    [InlineData("http://localhost:27017/paperfeed")]
    [InlineData("localhost:27017")]
    [InlineData("mongodb://admin:s3cret-pw@db.example:notaport/paperfeed")]
    [InlineData("mongodb://admin:s3cret-pw@db.example/paperfeed?connectTimeoutMS=soon")]
    public void AnInvalidConnectionStringIsOneLineWithoutThePassword(string connectionString)
    {
        var e = Assert.Throws<ArgumentException>(() => MongoStoreSettings.Parse(connectionString));

        Assert.Contains("is not a MongoDB connection string", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("mongodb://localhost/", "bad.name")]
    [InlineData("mongodb://localhost/", "with space")]
    [InlineData("mongodb://localhost/", "a$b")]
    public void AnInvalidDatabaseNameIsRefused(string connectionString, string database)
    {
        var e = Assert.Throws<ArgumentException>(() => MongoStoreSettings.Parse(connectionString, database));

        Assert.Contains("is not a valid MongoDB database name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CannotReachNamesTheHostsAndLeavesThePasswordOut()
    {
        var settings = MongoStoreSettings.Parse("mongodb://admin:s3cret-pw@db1.example:27017,db2.example:27018/paperfeed");

        var message = settings.CannotReach("no server was selectable within 5 s (Connection refused;\nmongodb://admin:s3cret-pw@db1.example:27017 said s3cret-pw)");

        Assert.StartsWith("cannot reach MongoDB at db1.example:27017, db2.example:27018: no server was selectable within 5 s", message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", message, StringComparison.Ordinal);
        Assert.Contains("mongodb://admin:****@db1.example:27017", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Theory]
    [InlineData("mongodb://u:p%40ss@host:27017/db", "mongodb://u:****@host:27017/db")]
    [InlineData("mongodb+srv://u:pw@cluster.example/db", "mongodb+srv://u:****@cluster.example/db")]
    [InlineData("mongodb://host:27017/db", "mongodb://host:27017/db")]
    [InlineData("mongodb://user@host/db", "mongodb://user@host/db")]
    public void RedactHidesOnlyThePassword(string text, string expected)
    {
        Assert.Equal(expected, MongoStoreSettings.Redact(text));
    }

    [Fact]
    public void StoreMongoWithoutAConnectionStringFailsWithOneLine()
    {
        var e = Assert.Throws<InvalidOperationException>(() => AddStorage(new() { ["PaperFeed:Store"] = "Mongo" }));

        Assert.Equal("PaperFeed:Store is Mongo but ConnectionStrings:Mongo is not set; set it to e.g. mongodb://localhost:27017/paperfeed", e.Message);
    }

    [Fact]
    public void StoreMongoWithAnInvalidConnectionStringFailsWithoutThePassword()
    {
        var e = Assert.Throws<InvalidOperationException>(() => AddStorage(new()
        {
            ["PaperFeed:Store"] = "Mongo",
            ["ConnectionStrings:Mongo"] = "mongodb://admin:s3cret-pw@db.example:notaport/",
        }));

        Assert.StartsWith("ConnectionStrings:Mongo: 'mongodb://admin:****@db.example:notaport/' is not a MongoDB connection string (", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StoreMongoRegistersTheMongoAdaptersWithoutConnecting()
    {
        var services = AddStorage(new()
        {
            ["PaperFeed:Store"] = "Mongo",
            ["ConnectionStrings:Mongo"] = "mongodb://127.0.0.1:1/feeds",
        });

        Assert.Equal(typeof(MongoPaperStore), Implementation<IPaperStore>(services));
        Assert.Equal(typeof(MongoSourceStateStore), Implementation<ISourceStateStore>(services));
        Assert.Equal(typeof(MongoSubscriptionStore), Implementation<ISubscriptionStore>(services));
        Assert.Equal(typeof(MongoDeliveryStore), Implementation<IDeliveryStore>(services));
        Assert.Contains(services, d => d.ImplementationType == typeof(MongoStoreInitializer));
        using var provider = services.BuildServiceProvider();
        Assert.Equal("feeds", provider.GetRequiredService<MongoStoreSettings>().DatabaseName);
    }

    private static ServiceCollection AddStorage(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddPaperFeedStorage(configuration);
        return services;
    }

    private static Type? Implementation<T>(ServiceCollection services) => services.Last(d => d.ServiceType == typeof(T)).ImplementationType;
}
