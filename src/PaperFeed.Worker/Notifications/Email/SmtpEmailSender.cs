using System.Globalization;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications.Email;

/// <summary>
/// Sends e-mail notifications through the SMTP server of <see cref="SmtpOptions"/> with MailKit: one connection per
/// message (connect, authenticate when a user name is set, send, quit). Never throws for a failed delivery, only
/// when <c>cancellationToken</c> is cancelled. How a failure is classified:
/// <list type="bullet">
/// <item>any 4xx reply, a broken or refused connection, a timeout, a failed TLS handshake or login: <see cref="SendOutcome.Retry"/>;</item>
/// <item>5xx for the recipient (the mailbox does not exist): <see cref="SendOutcome.PauseSubscription"/>, "mailbox bouncing";</item>
/// <item>5xx for the message (content refused): <see cref="SendOutcome.Dead"/>;</item>
/// <item>5xx for the sender: <see cref="SendOutcome.Retry"/> — PaperFeed's own From is refused, which fixing the configuration recovers from.</item>
/// </list>
/// </summary>
public sealed class SmtpEmailSender(EmailComposer composer, IOptions<SmtpOptions> options) : INotificationSender
{
    /// <summary>The reply code recorded for a message the server accepted.</summary>
    public const int Accepted = 250;

    public ChannelKind Channel => ChannelKind.Email;

    public async Task<SendResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        MimeMessage message;
        try
        {
            message = await composer.ComposeAsync(notification, cancellationToken);
        }
        catch (EmailCompositionException ex)
        {
            // A bad address will never work; anything else is PaperFeed's own fault, which a fix recovers from.
            return new SendResult(ex.BadRecipient ? SendOutcome.Dead : SendOutcome.Retry, Error: ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new SendResult(SendOutcome.Retry, Error: $"could not compose the e-mail: {ex.GetType().Name}: {ex.Message}");
        }

        using (message)
        {
            return await TransferAsync(message, options.Value, cancellationToken);
        }
    }

    private static async Task<SendResult> TransferAsync(MimeMessage message, SmtpOptions settings, CancellationToken cancellationToken)
    {
        var server = $"{settings.Host}:{settings.Port}";
        using var client = new SmtpClient
        {
            Timeout = settings.Timeout > TimeSpan.Zero ? (int)Math.Min(settings.Timeout.TotalMilliseconds, int.MaxValue) : Timeout.Infinite,
        };

        try
        {
            await client.ConnectAsync(settings.Host, settings.Port, SocketOptions(settings.Security), cancellationToken);
            if (!string.IsNullOrEmpty(settings.UserName))
            {
                await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return Classify(ex, settings, server);
        }
        finally
        {
            await QuitAsync(client);
        }

        return SendResult.Ok(Accepted);
    }

    /// <summary>What a failed attempt means for the delivery (see the class summary).</summary>
    internal static SendResult Classify(Exception exception, SmtpOptions settings, string server) => exception switch
    {
        SmtpCommandException { StatusCode: var status } ex when (int)status is >= 400 and < 500 =>
            new(SendOutcome.Retry, (int)status, $"temporary failure at SMTP server {server}: {Reply(ex)}"),
        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } ex =>
            new(SendOutcome.PauseSubscription, (int)ex.StatusCode, $"mailbox bouncing: {Reply(ex)}"),
        SmtpCommandException { ErrorCode: SmtpErrorCode.MessageNotAccepted } ex =>
            new(SendOutcome.Dead, (int)ex.StatusCode, $"message refused by SMTP server {server}: {Reply(ex)}"),
        SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } ex =>
            new(SendOutcome.Retry, (int)ex.StatusCode,
                $"SMTP server {server} refused the sender {settings.From} (check PaperFeed:Smtp:From): {Reply(ex)}"),
        SmtpCommandException ex =>
            new(SendOutcome.Retry, (int)ex.StatusCode, $"unexpected reply from SMTP server {server}: {Reply(ex)}"),
        AuthenticationException ex =>
            new(SendOutcome.Retry, Error: $"SMTP authentication failed for user {settings.UserName} at {server}: {ex.Message}"),
        SslHandshakeException ex =>
            new(SendOutcome.Retry, Error: $"TLS handshake with SMTP server {server} failed: {ex.Message}"),
        SocketException ex =>
            new(SendOutcome.Retry, Error: $"could not connect to SMTP server {server}: {ex.Message}"),
        TimeoutException or OperationCanceledException or IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut } } =>
            new(SendOutcome.Retry, Error: string.Create(CultureInfo.InvariantCulture, $"SMTP server {server} did not answer within {settings.Timeout.TotalSeconds:0.###} s")),
        SmtpProtocolException or IOException =>
            new(SendOutcome.Retry, Error: $"connection to SMTP server {server} failed: {exception.Message}"),
        NotSupportedException ex =>
            new(SendOutcome.Retry, Error: $"SMTP server {server} does not support what PaperFeed:Smtp asks for: {ex.Message}"),
        _ => new(SendOutcome.Retry, Error: $"sending through SMTP server {server} failed: {exception.GetType().Name}: {exception.Message}"),
    };

    internal static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };

    // "550 5.1.1 <x@example.org>: mailbox unavailable": the code and what the server said.
    private static string Reply(SmtpCommandException ex) => $"{(int)ex.StatusCode} {ex.Message.Trim()}";

    // Saying goodbye is a courtesy: once the message is accepted, a failing QUIT must not turn it into a retry.
    private static async Task QuitAsync(SmtpClient client)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.DisconnectAsync(true, quit.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ProtocolException or CommandException)
        {
            // The connection is closed either way when the client is disposed.
        }
    }
}
