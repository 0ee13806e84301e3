using Xunit;
using PaperFeed.IntegrationTests.Infrastructure;

// One broker for the whole test assembly; each test class isolates itself in a virtual host of its own
// (RabbitMqFixture.CreateVirtualHostAsync), so starting the broker once is enough.
[assembly: AssemblyFixture(typeof(RabbitMqFixture))]

// Likewise one MongoDB server; each test works in a database of its own (MongoFixture.CreateDatabase).
[assembly: AssemblyFixture(typeof(MongoFixture))]
