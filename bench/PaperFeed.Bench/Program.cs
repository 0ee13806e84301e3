using System.CommandLine;
using PaperFeed.Bench;

// Throughput scenarios. Each prints its own rate and, measured in the same run, the rate of a baseline doing the
// same work with nothing of PaperFeed in between, so results compare across machines as ratios.
var papers = new Option<int>("--papers") { Description = "Papers to push through the pipeline.", DefaultValueFactory = _ => 20_000 };
var rabbit = new Option<string>("--rabbitmq")
{
    Description = "The broker (amqp URI).",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PAPERFEED_TEST_RABBITMQ") ?? "amqp://guest:guest@127.0.0.1:5672/",
};
var ingest = new Command("ingest", "PaperDiscovered → store (SQLite) → PaperAdded on RabbitMQ, against raw RabbitMQ.Client doing the same two hops.") { papers, rabbit };
ingest.SetAction(async (parse, ct) =>
{
    var n = parse.GetValue(papers);
    var uri = parse.GetValue(rabbit)!;
    var bytes = IngestScenario.MessageBytes();
    Console.WriteLine($"ingest: {n:N0} papers, {bytes:N0} bytes per PaperDiscovered, broker {new Uri(uri).Host}:{new Uri(uri).Port}, {Environment.ProcessorCount} cores");

    // Warm up both paths (JIT, connections, queue declarations) before measuring.
    await RawBrokerBaseline.MeasureAsync(uri, 1_000, bytes, ct);
    await IngestScenario.MeasureAsync("RabbitMq", uri, 1_000, ct);

    var raw = await RawBrokerBaseline.MeasureAsync(uri, n, bytes, ct);
    var pipeline = await IngestScenario.MeasureAsync("RabbitMq", uri, n, ct);
    var inMemory = await IngestScenario.MeasureAsync("InMemory", null, n, ct);
    Console.WriteLine($"  raw RabbitMQ.Client, 2 hops with confirms: {raw,10:N0} msg/s");
    Console.WriteLine($"  PaperFeed on RabbitMQ + SQLite:            {pipeline,10:N0} papers/s  ({pipeline / raw:P0} of raw)");
    Console.WriteLine($"  PaperFeed in-memory + SQLite:              {inMemory,10:N0} papers/s  ({inMemory / raw:P0} of raw)");
    return 0;
});

var records = new Option<int>("--records") { Description = "Records in the smaller page (the larger has 5×).", DefaultValueFactory = _ => 20_000 };
var parseCommand = new Command("parse", "OaiParser (streaming) and ArxivApiParser on generated pages, against XDocument.Load of the same page.") { records };
parseCommand.SetAction(result =>
{
    ParseScenario.Run(result.GetValue(records));
    return 0;
});

var subscriptions = new Option<int>("--subscriptions") { Description = "Subscriptions in the index.", DefaultValueFactory = _ => 100_000 };
var matchPapers = new Option<int>("--papers") { Description = "Papers matched through the index.", DefaultValueFactory = _ => 10_000 };
var naivePapers = new Option<int>("--naive-papers") { Description = "Papers (the first of them) also matched by the naive scan.", DefaultValueFactory = _ => 300 };
var seed = new Option<int>("--seed") { Description = "Seed of the generated subscriptions and papers.", DefaultValueFactory = _ => 1 };
var match = new Command("match", "SubscriptionIndex over generated subscriptions and papers, against every CompiledFilter tried on every paper.") { subscriptions, matchPapers, naivePapers, seed };
match.SetAction(result =>
{
    MatchScenario.Run(result.GetValue(subscriptions), result.GetValue(matchPapers), result.GetValue(naivePapers), result.GetValue(seed));
    return 0;
});

var endpoints = new Option<int>("--endpoints") { Description = "Webhook endpoints (loopback receivers on ports of their own).", DefaultValueFactory = _ => 40 };
var bulkheadPapers = new Option<int>("--papers") { Description = "Papers published; every endpoint gets each.", DefaultValueFactory = _ => 50 };
var perHost = new Option<int?>("--per-host") { Description = "PaperFeed:Webhooks:MaxConcurrentPerHost for the worker (its default when not given)." };
var bulkhead = new Command("bulkhead", "Webhook deliveries to healthy endpoints with 5 % of the endpoints hanging, against the same with none hanging.") { endpoints, bulkheadPapers, perHost };
bulkhead.SetAction(async (result, ct) =>
{
    await BulkheadScenario.RunAsync(result.GetValue(endpoints), result.GetValue(bulkheadPapers), result.GetValue(perHost), ct);
    return 0;
});

var root = new RootCommand("PaperFeed benchmarks") { ingest, parseCommand, match, bulkhead };
return await root.Parse(args).InvokeAsync();
