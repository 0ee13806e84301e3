using System.Globalization;
using Microsoft.Extensions.Options;
using MimeKit;
using PaperFeed.Worker.Notifications.Digest;
using PaperFeed.Worker.Subscriptions;

namespace PaperFeed.Worker.Notifications.Email;

/// <summary>
/// Turns a notification into the e-mail that carries it: a multipart/alternative message (plain text, then HTML)
/// from <see cref="SmtpOptions.From"/> to the subscription's address. Its Message-ID is
/// <c>&lt;{delivery id}@{domain of From}&gt;</c>, the same on every attempt, so a receiver that got a message twice
/// can tell. Alerts and digests carry RFC 8058 one-click unsubscribe headers (<c>List-Unsubscribe</c> and
/// <c>List-Unsubscribe-Post</c>); the confirmation does not, as there is nothing to leave yet. Every message is
/// marked <c>Auto-Submitted: auto-generated</c> (RFC 3834, so auto-responders stay quiet) and names its delivery in
/// <c>X-PaperFeed-Delivery</c>.
/// </summary>
public sealed class EmailComposer(EmailTemplates templates, IOptions<SmtpOptions> options, TimeProvider clock)
{
    /// <summary>The header that names the delivery a message belongs to.</summary>
    public const string DeliveryHeader = "X-PaperFeed-Delivery";

    /// <summary>
    /// The message for <paramref name="notification"/>. Throws <see cref="EmailCompositionException"/> when the
    /// notification lacks what its message needs (a valid address, its paper, its unsubscribe or confirm link).
    /// </summary>
    public async Task<MimeMessage> ComposeAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        cancellationToken.ThrowIfCancellationRequested();
        var settings = options.Value;
        var delivery = notification.Delivery;
        var from = ParseFrom(settings);
        var to = ParseRecipient(notification.Subscription.Channel.Address);

        var (subject, body) = delivery.Kind switch
        {
            DeliveryKind.Alert => await AlertAsync(notification),
            DeliveryKind.Digest => await DigestAsync(notification),
            DeliveryKind.Confirmation => await ConfirmationAsync(notification),
            _ => throw new EmailCompositionException($"Delivery {delivery.Id} is of an unknown kind ({delivery.Kind})."),
        };

        var message = new MimeMessage
        {
            Subject = subject,
            Date = clock.GetUtcNow(),
            MessageId = $"{delivery.Id}@{from.Domain}",
            Body = new BodyBuilder { TextBody = body.Text, HtmlBody = body.Html }.ToMessageBody(),
        };
        message.From.Add(new MailboxAddress(settings.FromName, from.Address));
        message.To.Add(to);

        if (delivery.Kind != DeliveryKind.Confirmation)
        {
            // RFC 8058: a mail client may POST "List-Unsubscribe=One-Click" to the https link without asking again.
            message.Headers.Add("List-Unsubscribe", $"<{notification.UnsubscribeUrl!.AbsoluteUri}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }

        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add(DeliveryHeader, delivery.Id);
        return message;
    }

    /// <summary>The subject of a digest: "Your daily digest: 3 papers – Friday 27 November 2026".</summary>
    public static string DigestSubject(string cadence, int count, string period) =>
        $"Your {cadence} digest: {count} {(count == 1 ? "paper" : "papers")} – {period}";

    private async Task<(string, EmailBody)> AlertAsync(Notification notification)
    {
        var delivery = notification.Delivery;
        if (delivery.Papers.Count == 0)
        {
            throw new EmailCompositionException($"Alert {delivery.Id} has no paper.");
        }

        var revised = delivery.Event == "paper.revised";
        var paper = ToEmail(delivery.Papers[0], rank: null, revised);
        var model = new AlertEmail(paper, revised, Name(notification), Unsubscribe(notification));
        var subject = (revised ? "Revised: " : "New paper: ") + paper.Title;
        return (subject, await templates.RenderAlertAsync(model));
    }

    private async Task<(string, EmailBody)> DigestAsync(Notification notification)
    {
        var delivery = notification.Delivery;
        var periodKey = delivery.Period?.Key;
        var weekly = periodKey is not null
            ? EmailText.IsWeekKey(periodKey)
            : notification.Subscription.Schedule.Mode == DeliveryMode.Weekly;
        var cadence = weekly ? "weekly" : "daily";
        var period = EmailText.PeriodLabel(periodKey ?? FallbackPeriodKey(delivery.CreatedAt, weekly));

        var papers = Ranked(delivery)
            .Select((p, i) => ToEmail(p, rank: i + 1, revised: false))
            .ToList();
        var model = new DigestEmail(cadence, period, papers, Name(notification), Unsubscribe(notification));
        return (DigestSubject(cadence, papers.Count, period), await templates.RenderDigestAsync(model));
    }

    private async Task<(string, EmailBody)> ConfirmationAsync(Notification notification)
    {
        var confirm = notification.ConfirmUrl
            ?? throw new EmailCompositionException($"Confirmation {notification.Delivery.Id} has no confirm link.");
        var model = new ConfirmationEmail(notification.Subscription.Channel.Address ?? "", Name(notification), confirm.AbsoluteUri);
        return ("Confirm your PaperFeed subscription", await templates.RenderConfirmationAsync(model));
    }

    /// <summary>
    /// A digest's papers best first: as the digest stored them when every one has its score (the ranking is part of
    /// the snapshot, so every attempt shows the same order), otherwise ranked by <see cref="TrendingScore"/> as of the
    /// end of the period (or when the delivery was created) — a fixed moment, so retries agree too.
    /// </summary>
    internal static IReadOnlyList<DeliveryPaper> Ranked(Delivery delivery)
    {
        var papers = delivery.Papers;
        if (papers.All(p => p.Score is not null))
        {
            // A stable sort: equal scores keep the stored order, which Rank already broke ties in.
            return papers.OrderByDescending(p => p.Score!.Value).ToList();
        }

        return TrendingScore.Rank(papers, delivery.Period?.End ?? delivery.CreatedAt);
    }

    // A digest always has its period; should one not, the day or ISO week it was created in (UTC) stands in.
    private static string FallbackPeriodKey(DateTimeOffset createdAt, bool weekly)
    {
        var at = createdAt.UtcDateTime;
        return weekly
            ? string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(at)}-W{ISOWeek.GetWeekOfYear(at):00}")
            : at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    private static EmailPaper ToEmail(DeliveryPaper delivered, int? rank, bool revised)
    {
        var paper = delivered.Paper;
        var title = EmailText.OneLine(paper.Title);
        return new EmailPaper(
            rank,
            title.Length > 0 ? title : delivered.Id,
            EmailText.Authors(paper.Authors),
            EmailText.Snippet(paper.Abstract),
            EmailText.WebLink(paper.Links.Abstract),
            EmailText.WebLink(paper.Links.Pdf),
            EmailText.WebLink(paper.Links.Code),
            paper.Metrics.Upvotes,
            revised ? paper.Version : null);
    }

    private static string? Name(Notification notification) =>
        EmailText.OneLine(notification.Subscription.Name) is { Length: > 0 } name ? name : null;

    private static string Unsubscribe(Notification notification) =>
        notification.UnsubscribeUrl?.AbsoluteUri
            ?? throw new EmailCompositionException($"Delivery {notification.Delivery.Id} has no unsubscribe link; alerts and digests must carry one.");

    private static MailboxAddress ParseFrom(SmtpOptions settings)
    {
        if (MailboxAddress.TryParse(settings.From, out var from) && from.Domain.Length > 0)
        {
            return from;
        }

        throw new EmailCompositionException($"PaperFeed:Smtp:From ('{settings.From}') is not an e-mail address with a domain.");
    }

    private static MailboxAddress ParseRecipient(string? address)
    {
        if (!string.IsNullOrWhiteSpace(address) && MailboxAddress.TryParse(address, out var to) && to.Domain.Length > 0)
        {
            return new MailboxAddress("", to.Address);
        }

        throw new EmailCompositionException($"'{address}' is not an e-mail address PaperFeed can send to.") { BadRecipient = true };
    }
}

/// <summary>A notification lacks what its e-mail needs; <see cref="BadRecipient"/> when the fault is the address.</summary>
public sealed class EmailCompositionException(string message) : Exception(message)
{
    /// <summary>True when the subscription's address cannot be mailed (no retry will help).</summary>
    public bool BadRecipient { get; init; }
}
