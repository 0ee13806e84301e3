using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Email;

namespace PaperFeed.Tests.Notifications.Email;

/// <summary>How <see cref="SmtpEmailSender"/> reads each way an attempt can fail.</summary>
public sealed class SmtpClassificationTests
{
    private const string Server = "smtp.example.org:587";
    private static readonly SmtpOptions Settings = new() { Host = "smtp.example.org", Port = 587, UserName = "paperfeed", From = "alerts@example.org" };
    private static readonly MailboxAddress Reader = new("", "reader@example.net");

    private static SendResult Classify(Exception ex) => SmtpEmailSender.Classify(ex, Settings, Server);

    [Theory]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxBusy)]
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.ErrorInProcessing)]
    [InlineData(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.InsufficientStorage)]
    [InlineData(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable)]
    public void AnyTemporaryReplyIsRetried(SmtpErrorCode error, SmtpStatusCode status)
    {
        var result = Classify(new SmtpCommandException(error, status, Reader, "4.3.0 try again later"));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Equal((int)status, result.StatusCode);
        Assert.Contains($"{(int)status} 4.3.0 try again later", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ARefusedMailboxPausesTheSubscription()
    {
        var result = Classify(new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, Reader, "5.1.1 no such user"));

        Assert.Equal(SendOutcome.PauseSubscription, result.Outcome);
        Assert.Equal(550, result.StatusCode);
        Assert.Equal("mailbox bouncing: 550 5.1.1 no such user", result.Error);
    }

    [Fact]
    public void ARefusedMessageIsDead()
    {
        var result = Classify(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "5.7.1 content rejected"));

        Assert.Equal(SendOutcome.Dead, result.Outcome);
        Assert.Equal(554, result.StatusCode);
        Assert.Contains("554 5.7.1 content rejected", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ARefusedSenderIsRetriedAndBlamesTheConfiguration()
    {
        var result = Classify(new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxNameNotAllowed, "5.7.1 not allowed to send as"));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Equal(553, result.StatusCode);
        Assert.Contains("alerts@example.org", result.Error, StringComparison.Ordinal);
        Assert.Contains("PaperFeed:Smtp:From", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void FailedAuthenticationIsRetriedNamingTheUser()
    {
        var result = Classify(new AuthenticationException("535: 5.7.8 bad credentials"));

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.StartsWith("SMTP authentication failed for user paperfeed", result.Error, StringComparison.Ordinal);
    }

    public static TheoryData<Exception> ConnectionFailures() =>
    [
        new SocketException((int)SocketError.ConnectionRefused),
        new SocketException((int)SocketError.HostNotFound),
        new IOException("connection reset"),
        new SmtpProtocolException("The SMTP server has unexpectedly disconnected."),
        new TimeoutException(),
        new OperationCanceledException(),
        new SslHandshakeException("bad certificate"),
        new NotSupportedException("The SMTP server does not support STARTTLS."),
    ];

    [Theory]
    [MemberData(nameof(ConnectionFailures))]
    public void ConnectionTroubleIsRetriedNamingTheServer(Exception failure)
    {
        var result = Classify(failure);

        Assert.Equal(SendOutcome.Retry, result.Outcome);
        Assert.Null(result.StatusCode);
        Assert.Contains(Server, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SmtpSecurity.Auto, SecureSocketOptions.Auto)]
    [InlineData(SmtpSecurity.None, SecureSocketOptions.None)]
    [InlineData(SmtpSecurity.StartTls, SecureSocketOptions.StartTls)]
    [InlineData(SmtpSecurity.SslOnConnect, SecureSocketOptions.SslOnConnect)]
    public void SecurityMapsOntoMailKit(SmtpSecurity security, SecureSocketOptions expected)
    {
        Assert.Equal(expected, SmtpEmailSender.SocketOptions(security));
    }
}
