using PaperFeed.IntegrationTests.Infrastructure;

// One broker for the assembly; each test isolates itself in a virtual host of its own.
[assembly: AssemblyFixture(typeof(RabbitMqFixture))]

// One scenario at a time: each runs whole worker processes on a small machine, and the broker restart would cut
// every other scenario's connections.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
