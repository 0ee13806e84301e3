using System.Net.Sockets;
using RabbitMQ.Client;

namespace PaperFeed.Worker.Messaging;

/// <summary>
/// The socket RabbitMQ.Client talks to the broker through (<c>ConnectionFactory.SocketFactory</c>): the client's own,
/// except that a write to a socket that has broken is dropped instead of thrown.
/// </summary>
/// <remarks>
/// RabbitMQ.Client 7.2 writes through one loop that drains a queue of 128 frames into the socket. When a write
/// fails, because the broker stopped or reset the connection, that loop ends, the queue fills, and every later write
/// waits forever: the reply to the broker's <c>connection.close</c>, acknowledgements, publishes. The client's reader
/// then hangs on that reply, so the connection is never seen to close; a heartbeat timeout starts the close, but
/// the close waits for consumers whose acknowledgements are among the waiting writes, and MassTransit, never told
/// that its publishing channel closed, publishes into it for good: polls time out and ingest stops, while the
/// reconnected consumers make <c>/health/ready</c> say all is well. Nothing written to a broken socket can arrive
/// anyway, so dropping it is safe: unacknowledged messages are redelivered, unconfirmed publishes fail when their
/// channel closes, and the reader, no longer blocked, sees the close or the socket's end at once.
/// </remarks>
public sealed class RabbitMqSocket(Socket socket) : TcpClientAdapter(socket)
{
    /// <summary>A factory for <c>ConnectionFactory.SocketFactory</c>, with the client's default options.</summary>
    public static ITcpClient Create(AddressFamily family) =>
        new RabbitMqSocket(new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });

    public override NetworkStream GetStream() => new WriteDroppingStream(Client);

    /// <summary>A socket's stream whose writes, from the first that fails, are dropped.</summary>
    public sealed class WriteDroppingStream(Socket socket) : NetworkStream(socket, ownsSocket: false)
    {
        private volatile bool _broken;

        /// <summary>True once a write failed: the socket is gone, and writes are dropped.</summary>
        public bool Broken => _broken;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_broken)
            {
                return;
            }

            try
            {
                await base.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsBrokenSocket(e))
            {
                _broken = true;
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_broken)
            {
                return;
            }

            try
            {
                base.Write(buffer);
            }
            catch (Exception e) when (IsBrokenSocket(e))
            {
                _broken = true;
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        private static bool IsBrokenSocket(Exception e) => e is IOException or SocketException or ObjectDisposedException;
    }
}
