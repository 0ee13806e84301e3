using System.Net;
using System.Net.Sockets;
using PaperFeed.Worker.Messaging;

namespace PaperFeed.Tests.Messaging;

/// <summary>Writes to a peer that reset the connection, over a real loopback socket.</summary>
public sealed class RabbitMqSocketTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WritesToAResetConnectionAreDroppedInsteadOfThrown()
    {
        using var socket = await ResetConnectionAsync();
        await using var stream = new RabbitMqSocket.WriteDroppingStream(socket);

        var frame = new byte[4096];
        for (var i = 0; i < 50 && !stream.Broken; i++)
        {
            await stream.WriteAsync(frame, Ct);
        }

        Assert.True(stream.Broken, "no write noticed the reset");
        // Later writes return at once, whichever overload the pipe uses.
        await stream.WriteAsync(frame, Ct);
#pragma warning disable CA1835 // the array overload is one of those under test
        await stream.WriteAsync(frame, 0, frame.Length, Ct);
#pragma warning restore CA1835
        stream.Write(frame);
        stream.Write(frame, 0, 1);
    }

    [Fact]
    public async Task TheSocketsOwnStreamThrowsOnTheSameReset()
    {
        using var socket = await ResetConnectionAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);

        var frame = new byte[4096];
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await stream.WriteAsync(frame, Ct);
            }
        });
    }

    [Fact]
    public async Task TheFactoryMakesAConnectableSocketWithoutNagle()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = RabbitMqSocket.Create(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, Ct);
        using var accepted = await listener.AcceptSocketAsync(Ct);

        Assert.True(client.Connected);
        Assert.True(client.Client.NoDelay);
        Assert.IsType<RabbitMqSocket.WriteDroppingStream>(client.GetStream());
    }

    /// <summary>A connected client socket whose peer has reset the connection (closed with a zero linger).</summary>
    private static async Task<Socket> ResetConnectionAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint, Ct);
        using (var server = await listener.AcceptSocketAsync(Ct))
        {
            server.LingerState = new LingerOption(true, 0);
        }

        return client;
    }
}
