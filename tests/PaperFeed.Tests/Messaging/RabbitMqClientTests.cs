using System.Collections.ObjectModel;
using System.Diagnostics.Tracing;
using Microsoft.Extensions.Logging;
using PaperFeed.Worker.Messaging;

namespace PaperFeed.Tests.Messaging;

public sealed class RabbitMqClientTests
{
    [Theory]
    [InlineData("amqp://h/v", false)]
    [InlineData("amqp://h/v?heartbeat=5", true)]
    [InlineData("amqp://h/v?prefetch=8&HeartBeat=5", true)]
    [InlineData("amqp://h/v?heartbeats=5", false)]
    [InlineData("amqp://h/heartbeat", false)]
    public void TheConnectionStringsOwnHeartbeatIsRecognised(string uri, bool named) =>
        Assert.Equal(named, RabbitMqTimeouts.HeartbeatIsSetIn(new Uri(uri)));

    [Fact]
    public void AClientErrorIsLoggedAsAnErrorWithItsExceptionsTypeAndMessage()
    {
        // The shape the rabbitmq-client event source gives an error's exception detail.
        var detail = new Dictionary<string, object?>
        {
            ["Type"] = "System.IO.IOException",
            ["Message"] = "Unable to write data to the transport connection: Connection reset by peer.",
            ["StackTrace"] = "   at System.Net.Sockets.Socket…",
            ["InnerException"] = null,
        };

        var (level, message) = RabbitMqClientLog.Describe(EventLevel.Error, new ReadOnlyCollection<object?>(["Background socket write loop has crashed", detail]));

        Assert.Equal(LogLevel.Error, level);
        Assert.Equal("Background socket write loop has crashed: System.IO.IOException Unable to write data to the transport connection: Connection reset by peer.", message);
    }

    [Theory]
    [InlineData(EventLevel.Warning, LogLevel.Warning)]
    [InlineData(EventLevel.Critical, LogLevel.Critical)]
    [InlineData(EventLevel.Informational, LogLevel.Information)]
    public void AClientWarningKeepsItsLevelAndText(EventLevel level, LogLevel expected)
    {
        var (logged, message) = RabbitMqClientLog.Describe(level, new ReadOnlyCollection<object?>(["connection recovery failed"]));

        Assert.Equal(expected, logged);
        Assert.Equal("connection recovery failed", message);
    }
}
