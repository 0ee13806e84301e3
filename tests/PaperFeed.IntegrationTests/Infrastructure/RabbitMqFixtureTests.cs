using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Xunit;

namespace PaperFeed.IntegrationTests.Infrastructure;

public sealed class RabbitMqFixtureTests(RabbitMqFixture broker)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreatedVirtualHostAcceptsConnection()
    {
        // Given a fresh virtual host
        broker.SkipIfUnavailable();
        var uri = await broker.CreateVirtualHostAsync(nameof(RabbitMqFixtureTests));

        // When a client connects to it
        var factory = new ConnectionFactory { Uri = new Uri(uri) };
        await using var connection = await factory.CreateConnectionAsync(Ct);

        // Then the connection is open, on the new vhost rather than the default one
        Assert.True(connection.IsOpen);
        Assert.StartsWith("paperfeed-RabbitMqFixtureTests-", factory.VirtualHost, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessagePublishedInVirtualHostIsConsumedBack()
    {
        // Given a queue in a fresh virtual host
        broker.SkipIfUnavailable();
        var uri = await broker.CreateVirtualHostAsync(nameof(RabbitMqFixtureTests));
        await using var connection = await Connect(uri);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), Ct);
        var queue = (await channel.QueueDeclareAsync("fixture-roundtrip", durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct)).QueueName;

        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, Ct);
            received.TrySetResult(Encoding.UTF8.GetString(delivery.Body.Span));
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, Ct);

        // When a persistent message is published to it (and confirmed by the broker)
        var sent = $"hello {Guid.NewGuid():N}";
        await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes(sent), Ct);

        // Then the consumer gets that same message back
        Assert.Equal(sent, await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task QueueDeclaredInOneVirtualHostDoesNotExistInAnother()
    {
        // Given two fresh virtual hosts, and a queue declared in the first
        broker.SkipIfUnavailable();
        var firstUri = await broker.CreateVirtualHostAsync(nameof(RabbitMqFixtureTests));
        var secondUri = await broker.CreateVirtualHostAsync(nameof(RabbitMqFixtureTests));
        Assert.NotEqual(firstUri, secondUri);
        var queue = $"isolation-{Guid.NewGuid():N}";

        await using var first = await Connect(firstUri);
        await using (var declaring = await first.CreateChannelAsync(cancellationToken: Ct))
        {
            await declaring.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        }

        // When it is looked up passively in each vhost (and in the broker's default vhost)
        await using var second = await Connect(secondUri);
        await using var defaultVhost = await Connect(broker.AmqpUri!.AbsoluteUri);

        // Then only the first vhost has it: the lookup there succeeds, elsewhere the broker answers 404 NOT_FOUND
        await using (var inFirst = await first.CreateChannelAsync(cancellationToken: Ct))
        {
            Assert.Equal(queue, (await inFirst.QueueDeclarePassiveAsync(queue, Ct)).QueueName);
        }

        await AssertQueueMissing(second, queue);
        await AssertQueueMissing(defaultVhost, queue);
    }

    private static async Task AssertQueueMissing(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclarePassiveAsync(queue, Ct));
        Assert.Equal((ushort)404, error.ShutdownReason?.ReplyCode);
    }

    private static Task<IConnection> Connect(string uri) =>
        new ConnectionFactory { Uri = new Uri(uri), ClientProvidedName = nameof(RabbitMqFixtureTests) }.CreateConnectionAsync(Ct);
}
