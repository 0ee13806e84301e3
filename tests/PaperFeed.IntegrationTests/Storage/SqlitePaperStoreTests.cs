using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Storage.Sqlite;
using Xunit;

namespace PaperFeed.IntegrationTests.Storage;

public sealed class SqlitePaperStoreTests(SqliteTestFolder folder) : PaperStoreContract, IClassFixture<SqliteTestFolder>, IDisposable
{
    private readonly SqliteDatabases _databases = new();
    private string? _connectionString;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override async Task<IPaperStore> CreateStoreAsync()
    {
        _connectionString = folder.NewConnectionString();
        return new SqlitePaperStore(await _databases.OpenAsync(_connectionString), TimeProvider.System);
    }

    protected override async Task<IPaperStore> ReopenStoreAsync() =>
        new SqlitePaperStore(await _databases.OpenAsync(_connectionString ?? throw new InvalidOperationException("create a store first")), TimeProvider.System);

    public void Dispose() => _databases.Dispose();

    [Fact]
    public async Task TheSchemaIsCreatedOnceInWalModeInAFolderThatDidNotExist()
    {
        var file = Path.Combine(folder.Path, $"nested-{Guid.NewGuid():N}", "deeper", "paperfeed.db");
        var first = await _databases.OpenAsync($"Data Source={file}");
        await new SqlitePaperStore(first, TimeProvider.System).UpsertAsync([Arxiv("2503.00001")], Ct);

        var second = await _databases.OpenAsync($"Data Source={file}");
        await second.InitializeAsync(Ct);
        await using var connection = await second.OpenAsync(Ct);

        Assert.True(File.Exists(file));
        Assert.Equal("wal", await ScalarAsync(connection, "PRAGMA journal_mode"));
        Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA foreign_keys"));
        Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA synchronous")); // NORMAL
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM papers"));
        Assert.Equal(2L, await ScalarAsync(connection, "SELECT count(*) FROM paper_keys")); // arxiv + title
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM sightings"));
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM papers_fts"));
    }

    [Fact]
    public async Task AddSqliteStoresRegistersTheStoresAndCreatesTheSchemaAtStart()
    {
        var file = Path.Combine(folder.Path, $"host-{Guid.NewGuid():N}", "paperfeed.db");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSqliteStores($"Data Source={file}");
        using var host = builder.Build();

        await host.StartAsync(Ct);
        var exists = File.Exists(file);
        var papers = host.Services.GetRequiredService<IPaperStore>();
        var states = host.Services.GetRequiredService<ISourceStateStore>();
        var added = await papers.UpsertAsync([Arxiv("2503.00002")], Ct);
        await states.RecordFailureAsync("x", "x: HTTP 500", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Ct);
        await host.StopAsync(Ct);

        Assert.True(exists);
        Assert.IsType<SqlitePaperStore>(papers);
        Assert.Same(papers, host.Services.GetRequiredService<IPaperStore>());
        Assert.IsType<SqliteSourceStateStore>(states);
        Assert.Equal(UpsertOutcome.Added, added[0].Outcome);
        Assert.Equal(1, (await states.GetAsync("x", Ct)).ConsecutiveErrors);
    }

    [Fact]
    public async Task AHostileSearchDoesNotTouchTheTables()
    {
        var database = await _databases.OpenAsync(folder.NewConnectionString());
        var store = new SqlitePaperStore(database, TimeProvider.System);
        await store.UpsertAsync([Arxiv("2503.00003")], Ct);

        await store.ListAsync(new PaperQuery(Text: "x'); DROP TABLE papers; --"), Ct);
        await store.ListAsync(new PaperQuery(Source: "x'); DROP TABLE sightings; --"), Ct);

        await using var connection = await database.OpenAsync(Ct);
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM papers"));
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM sightings"));
    }

    [Theory]
    [InlineData("quantum walks", "\"quantum\" \"walks\"")]
    [InlineData("\"; DROP TABLE", "\"DROP\" \"TABLE\"")]
    [InlineData("AND OR NOT", "\"AND\" \"OR\" \"NOT\"")]
    [InlineData("title:foo* NEAR(bar)", "\"title\" \"foo\" \"NEAR\" \"bar\"")]
    [InlineData("Schrödinger–Bridges", "\"Schrödinger\" \"Bridges\"")]
    [InlineData("\" * ( ) ^ :", null)]
    public void SearchTextBecomesQuotedTerms(string text, string? expected)
    {
        Assert.Equal(expected, SqlitePaperStore.ToFtsQuery(text));
    }

    [Fact]
    public void ACursorRoundTrips()
    {
        var cursor = SqlitePaperStore.EncodeCursor(1_775_001_600_000, 42);

        Assert.Equal((1_775_001_600_000L, 42L), SqlitePaperStore.DecodeCursor(cursor));
        Assert.DoesNotContain('=', cursor);
        Assert.DoesNotContain('+', cursor);
        Assert.DoesNotContain('/', cursor);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }
}
