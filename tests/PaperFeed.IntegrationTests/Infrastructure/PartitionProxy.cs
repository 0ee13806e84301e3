using System.Net;
using System.Net.Sockets;

namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP proxy on loopback between workers and the broker that can cut the network without closing anything, as a
/// dead route, a dropped VPN or a frozen broker VM looks to a client: while partitioned, no byte moves either way on
/// any connection and new connections are accepted but never answered. Nothing tells either side; only heartbeats
/// and timeouts can. <see cref="Heal"/> drops the connections the partition stalled (each side has given up on them
/// by then) and forwards again.
/// </summary>
public sealed class PartitionProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly EndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<Link> _links = [];
    private TaskCompletionSource _open = Opened();
    private Task _accepting = Task.CompletedTask;

    private PartitionProxy(EndPoint upstream)
    {
        _upstream = upstream;
        _listener = new TcpListener(IPAddress.Loopback, 0);
    }

    /// <summary>The loopback port clients connect to instead of the broker's.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far, stalled ones included.</summary>
    public int Accepted { get; private set; }

    public bool Partitioned
    {
        get
        {
            lock (_gate)
            {
                return !_open.Task.IsCompleted;
            }
        }
    }

    public static PartitionProxy Start(Uri broker)
    {
        var proxy = new PartitionProxy(new DnsEndPoint(broker.Host, broker.IsDefaultPort ? 5672 : broker.Port));
        proxy._listener.Start();
        proxy._accepting = proxy.AcceptAsync();
        return proxy;
    }

    /// <summary><paramref name="amqp"/> with its host and port replaced by the proxy's.</summary>
    public string Route(string amqp) => new UriBuilder(amqp) { Host = "127.0.0.1", Port = Port }.Uri.AbsoluteUri;

    /// <summary>From now on nothing moves, and nothing is closed.</summary>
    public void Partition()
    {
        lock (_gate)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Drops every connection the partition stalled and forwards new ones again.</summary>
    public void Heal()
    {
        List<Link> stalled;
        lock (_gate)
        {
            stalled = [.. _links];
            _links.Clear();
            _open.TrySetResult();
        }

        foreach (var link in stalled)
        {
            link.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Heal();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private Task WhenOpen()
    {
        lock (_gate)
        {
            return _open.Task;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Accepted++;
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var link = new Link(client);
        lock (_gate)
        {
            _links.Add(link);
        }

        try
        {
            // A connection made during a partition waits here, unanswered, like a SYN into a dead route.
            await WhenOpen().WaitAsync(link.Closed);
            await link.UpstreamSocket.ConnectAsync(_upstream, link.Closed);
            await Task.WhenAll(PumpAsync(client.GetStream(), link.Upstream, link), PumpAsync(link.Upstream, client.GetStream(), link));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _links.Remove(link);
            }

            link.Dispose();
        }
    }

    private async Task PumpAsync(Stream from, Stream to, Link link)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            await WhenOpen().WaitAsync(link.Closed);
            var read = await from.ReadAsync(buffer, link.Closed);
            if (read == 0)
            {
                break;
            }

            // Bytes read just before a partition are held, not delivered, until it heals (and then dropped with the link).
            await WhenOpen().WaitAsync(link.Closed);
            await to.WriteAsync(buffer.AsMemory(0, read), link.Closed);
        }

        link.Dispose();
    }

    /// <summary>One client connection and its connection to the broker; disposing closes both.</summary>
    private sealed class Link(TcpClient client) : IDisposable
    {
        private readonly CancellationTokenSource _closed = new();
        private NetworkStream? _upstream;
        private int _disposed;

        public Socket UpstreamSocket { get; } = new(SocketType.Stream, ProtocolType.Tcp);

        public Stream Upstream => _upstream ??= new NetworkStream(UpstreamSocket, ownsSocket: false);

        public CancellationToken Closed => _closed.Token;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            _closed.Cancel();
            client.Dispose();
            _upstream?.Dispose();
            UpstreamSocket.Dispose();
        }
    }
}
