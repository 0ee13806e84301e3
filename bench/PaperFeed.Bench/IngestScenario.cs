using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;

namespace PaperFeed.Bench;

/// <summary>
/// <c>ingest</c>: N papers through the real pipeline — PaperDiscovered published, IngestPapersConsumer storing
/// into a SQLite file, PaperAdded consumed — timed from the first publish to the last PaperAdded.
/// </summary>
public static class IngestScenario
{
    public static async Task<double> MeasureAsync(string transport, string? amqpUri, int papers, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("paperfeed-bench-").FullName;
        var counter = new AddedCounter(papers);
        try
        {
            var builder = PaperFeedApp.CreateBuilder(
                [],
                configuration =>
                {
                    configuration.Sources.Clear();
                    configuration.AddInMemoryCollection(new Dictionary<string, string?>
                    {
                        ["Urls"] = "http://127.0.0.1:0",
                        ["PaperFeed:Transport"] = transport,
                        ["ConnectionStrings:RabbitMq"] = amqpUri,
                        ["ConnectionStrings:Sqlite"] = $"Data Source={Path.Combine(folder, "bench.db")}",
                    });
                },
                bus => bus.AddConsumer<AddedCounterConsumer>());
            builder.Services.AddSingleton(counter);
            builder.Logging.ClearProviders();
            await using var app = builder.BuildPaperFeed();
            await app.StartAsync(ct);

            var messages = Enumerable.Range(0, papers).Select(Paper).ToList();
            var bus = app.Services.GetRequiredService<IBus>();
            var clock = Stopwatch.StartNew();
            foreach (var chunk in messages.Chunk(500))
            {
                await bus.PublishBatch(chunk, ct);
            }

            await counter.AllSeen.Task.WaitAsync(TimeSpan.FromMinutes(10), ct);
            clock.Stop();
            await app.StopAsync(ct);
            return papers / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The size of a serialised PaperDiscovered, so the raw baseline moves the same bytes.</summary>
    public static int MessageBytes() => JsonSerializer.SerializeToUtf8Bytes(Paper(0)).Length;

    private static readonly string Abstract = string.Join(' ', Enumerable.Repeat(
        "We study sparse attention for long-context retrieval and show that a learned routing of tokens keeps accuracy while cutting compute.", 12))[..1500];

    private static PaperDiscovered Paper(int i) => new(
        "bench",
        new DiscoveredPaper
        {
            ExternalId = $"oai:arXiv.org:2411.{i:D5}v1",
            ArxivId = $"2411.{i:D5}v1",
            Title = $"Benchmark paper number {i} on efficient transformers",
            Abstract = Abstract,
            Authors = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
            Categories = ["cs.LG", "cs.CL"],
            PublishedAt = new DateTimeOffset(2024, 11, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i),
            Links = new PaperLinks { Abstract = $"https://arxiv.org/abs/2411.{i:D5}", Pdf = $"https://arxiv.org/pdf/2411.{i:D5}" },
        },
        DateTimeOffset.UtcNow);

    public sealed class AddedCounter(int expected)
    {
        private int _seen;

        public TaskCompletionSource AllSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Seen()
        {
            if (Interlocked.Increment(ref _seen) == expected)
            {
                AllSeen.TrySetResult();
            }
        }
    }

    public sealed class AddedCounterConsumer(AddedCounter counter) : IConsumer<PaperAdded>
    {
        public Task Consume(ConsumeContext<PaperAdded> context)
        {
            counter.Seen();
            return Task.CompletedTask;
        }
    }
}
