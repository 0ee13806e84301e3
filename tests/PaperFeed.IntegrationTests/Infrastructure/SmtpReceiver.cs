using System.Buffers;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using SmtpServerHost = SmtpServer.SmtpServer;

namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>
/// A real SMTP server on a free loopback port (the SmtpServer package) that keeps what it receives in memory as
/// <see cref="MimeMessage"/>s, and refuses on request: a temporary 451 for the next messages, a 550 for one
/// recipient, a 554 for every message, a 535 for logins with other credentials. Tests wait for messages with <see cref="WaitForMessageAsync"/> rather than
/// sleeping.
/// </summary>
public sealed class SmtpReceiver : IAsyncDisposable, IMailboxFilter, IMessageStore, IUserAuthenticator
{
    /// <summary>How long a wait lasts when the test gives no timeout.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly List<ReceivedMail> _received = [];
    private readonly HashSet<string> _rejectedRecipients = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = NewSignal();
    private SmtpServerHost _server = null!;
    private Task _running = Task.CompletedTask;
    private int _temporaryFailures;
    private bool _rejectMessages;
    private (string User, string Password)? _credentials;
    private int _refused;

    private SmtpReceiver()
    {
    }

    /// <summary>Always <c>127.0.0.1</c>.</summary>
    public string Host => IPAddress.Loopback.ToString();

    public int Port { get; private set; }

    /// <summary>The messages accepted so far, in arrival order.</summary>
    public IReadOnlyList<MimeMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _received.Select(r => r.Message).ToList();
            }
        }
    }

    /// <summary>The messages accepted so far with their envelopes, in arrival order.</summary>
    public IReadOnlyList<ReceivedMail> Received
    {
        get
        {
            lock (_gate)
            {
                return _received.ToList();
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>How many recipients and messages were refused (any reply but 250).</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Starts listening on a port the system picks; returns once the port is known.</summary>
    public static async Task<SmtpReceiver> StartAsync()
    {
        var receiver = new SmtpReceiver();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, e) => listening.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);

        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            // AUTH is offered without TLS: loopback only, and no test sends real credentials.
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, 0)).AllowUnsecureAuthentication(true).AuthenticationRequired(false))
            .Build();
        var services = new ServiceProvider();
        services.Add(listeners);
        services.Add((IMailboxFilter)receiver);
        services.Add((IMessageStore)receiver);
        services.Add((IUserAuthenticator)receiver);

        receiver._server = new SmtpServerHost(options, services);
        receiver._running = receiver._server.StartAsync(receiver._stop.Token);
        var started = await Task.WhenAny(listening.Task, receiver._running).WaitAsync(DefaultWait);
        if (started != listening.Task)
        {
            await receiver._running; // surfaces why it did not start
        }

        receiver.Port = await listening.Task;
        return receiver;
    }

    /// <summary>Accepts everything again (undoes the refusals below).</summary>
    public void AcceptAll()
    {
        lock (_gate)
        {
            _temporaryFailures = 0;
            _rejectMessages = false;
            _rejectedRecipients.Clear();
            _credentials = null;
        }
    }

    /// <summary>Accepts a login only with these credentials (any login is accepted until this is called).</summary>
    public void RequireCredentials(string user, string password)
    {
        lock (_gate)
        {
            _credentials = (user, password);
        }
    }

    /// <summary>Answers the next <paramref name="messages"/> messages with <c>451 4.3.0</c> after their data.</summary>
    public void FailTemporarily(int messages = 1)
    {
        lock (_gate)
        {
            _temporaryFailures = messages;
        }
    }

    /// <summary>Answers <c>RCPT TO:&lt;<paramref name="address"/>&gt;</c> with <c>550 5.1.1</c> (no such mailbox).</summary>
    public void RejectRecipient(string address)
    {
        lock (_gate)
        {
            _rejectedRecipients.Add(address);
        }
    }

    /// <summary>Answers every message with <c>554 5.7.1</c> after its data (content refused).</summary>
    public void RejectMessages()
    {
        lock (_gate)
        {
            _rejectMessages = true;
        }
    }

    /// <summary>The first message, received already or later, that satisfies <paramref name="match"/> (any, when null).</summary>
    /// <exception cref="TimeoutException">None arrived within <paramref name="timeout"/> (default <see cref="DefaultWait"/>).</exception>
    public async Task<MimeMessage> WaitForMessageAsync(Func<MimeMessage, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        MimeMessage? found = null;
        await WaitUntilAsync(
            received => (found = received.Select(r => r.Message).FirstOrDefault(m => match?.Invoke(m) ?? true)) is not null,
            "a matching message",
            timeout,
            cancellationToken);
        return found!;
    }

    /// <summary>Returns once at least <paramref name="count"/> messages were accepted.</summary>
    /// <exception cref="TimeoutException">Fewer arrived within <paramref name="timeout"/>.</exception>
    public Task WaitForCountAsync(int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(received => received.Count >= count, $"{count} message(s)", timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(DefaultWait);
        }
        catch (OperationCanceledException)
        {
            // Stopping is what was asked for.
        }

        _stop.Dispose();
    }

    Task<bool> IUserAuthenticator.AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_credentials is not { } expected || (expected.User == user && expected.Password == password));
        }
    }

    Task<bool> IMailboxFilter.CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
        Task.FromResult(true);

    Task<bool> IMailboxFilter.CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        bool rejected;
        lock (_gate)
        {
            rejected = _rejectedRecipients.Contains(to.AsAddress());
        }

        if (rejected)
        {
            Interlocked.Increment(ref _refused);
            throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.MailboxUnavailable, $"5.1.1 <{to.AsAddress()}>: no such mailbox"));
        }

        return Task.FromResult(true);
    }

    async Task<SmtpResponse> IMessageStore.SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_temporaryFailures > 0)
            {
                _temporaryFailures--;
                Interlocked.Increment(ref _refused);
                return new SmtpResponse(SmtpReplyCode.Aborted, "4.3.0 try again later");
            }

            if (_rejectMessages)
            {
                Interlocked.Increment(ref _refused);
                return new SmtpResponse(SmtpReplyCode.TransactionFailed, "5.7.1 message content refused");
            }
        }

        using var stream = new MemoryStream(buffer.ToArray());
        var message = await MimeMessage.LoadAsync(stream, cancellationToken);
        var mail = new ReceivedMail(transaction.From.AsAddress(), transaction.To.Select(t => t.AsAddress()).ToList(), message);
        TaskCompletionSource changed;
        lock (_gate)
        {
            _received.Add(mail);
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
        return SmtpResponse.Ok;
    }

    private async Task WaitUntilAsync(Func<IReadOnlyList<ReceivedMail>, bool> condition, string what, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? DefaultWait);
        while (true)
        {
            Task changed;
            List<ReceivedMail> snapshot;
            lock (_gate)
            {
                // The signal is taken together with the snapshot, so a message that lands after the check wakes us.
                changed = _changed.Task;
                snapshot = _received.ToList();
            }

            if (condition(snapshot))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"Waited {timeout ?? DefaultWait} for {what} at {Host}:{Port}; received {snapshot.Count} " +
                    $"({string.Join("; ", snapshot.Select(r => r.Message.Subject))}), refused {Refused}.");
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>One accepted message and its envelope (MAIL FROM, RCPT TO).</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, MimeMessage Message);
