namespace PaperFeed.Worker.Notifications.Email;

/// <summary>
/// One paper as the e-mail templates show it: text already shortened, links already checked. Templates see the
/// members in snake_case (<c>paper.abstract_url</c>).
/// </summary>
/// <param name="Rank">Its place in a digest (1 = first); null in an alert.</param>
/// <param name="Title">The title on one line.</param>
/// <param name="Authors">The first five authors, then "et al." (empty when unknown).</param>
/// <param name="Snippet">The start of the abstract, cut at a word boundary with "…" (null when there is none).</param>
/// <param name="AbstractUrl">The abstract page, which the title links to (http/https only).</param>
/// <param name="PdfUrl">The PDF (http/https only).</param>
/// <param name="CodeUrl">The code repository (http/https only).</param>
/// <param name="Upvotes">The upvote count where a source reports one.</param>
/// <param name="RevisedTo">The new version of a revised paper (<c>paper.revised</c> alerts); null otherwise.</param>
public sealed record EmailPaper(
    int? Rank,
    string Title,
    string Authors,
    string? Snippet,
    string? AbstractUrl,
    string? PdfUrl,
    string? CodeUrl,
    int? Upvotes,
    int? RevisedTo);

/// <summary>What the alert templates (<c>paper.added</c> / <c>paper.revised</c>) render.</summary>
/// <param name="Revised">True for <c>paper.revised</c>.</param>
/// <param name="SubscriptionName">The subscription's name, when it has one.</param>
/// <param name="UnsubscribeUrl">The one-click unsubscribe link every alert ends with.</param>
public sealed record AlertEmail(EmailPaper Paper, bool Revised, string? SubscriptionName, string UnsubscribeUrl);

/// <summary>What the digest templates render.</summary>
/// <param name="Cadence"><c>daily</c> or <c>weekly</c>.</param>
/// <param name="Period">The period for people: "Friday 27 November 2026" or "week 48, 2026".</param>
/// <param name="Papers">Best first, each with its <see cref="EmailPaper.Rank"/>.</param>
/// <param name="UnsubscribeUrl">The one-click unsubscribe link every digest ends with.</param>
public sealed record DigestEmail(string Cadence, string Period, IReadOnlyList<EmailPaper> Papers, string? SubscriptionName, string UnsubscribeUrl)
{
    /// <summary>How many papers the digest lists.</summary>
    public int Count => Papers.Count;
}

/// <summary>What the confirmation templates (double opt-in) render.</summary>
/// <param name="Address">The address being confirmed.</param>
/// <param name="ConfirmUrl">The link that activates the subscription.</param>
public sealed record ConfirmationEmail(string Address, string? SubscriptionName, string ConfirmUrl);

/// <summary>The two parts of one message: plain text and HTML.</summary>
public sealed record EmailBody(string Text, string Html);
