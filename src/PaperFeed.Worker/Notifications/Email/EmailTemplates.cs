using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;

namespace PaperFeed.Worker.Notifications.Email;

/// <summary>
/// The Liquid templates of every message PaperFeed mails, a plain-text and an HTML one each, embedded in the
/// assembly (<c>Notifications/Email/Templates/*.liquid</c>). They are parsed once, when this singleton is made,
/// so a broken template stops the worker at startup rather than at the first delivery. Rendering is thread-safe.
/// HTML output is HTML-encoded (a title's <c>&lt;script&gt;</c> arrives as text); plain text is not encoded.
/// Templates see the model's members in snake_case.
/// </summary>
public sealed class EmailTemplates
{
    private const string ResourcePrefix = "PaperFeed.Worker.Notifications.Email.Templates.";

    // Encodes what HTML needs (< > & ' " and the like) but leaves letters such as é or … readable.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly TemplateOptions _options;
    private readonly Pair _alert;
    private readonly Pair _digest;
    private readonly Pair _confirmation;

    public EmailTemplates()
    {
        _options = new TemplateOptions();
        _options.MemberAccessStrategy.MemberNameStrategy = MemberNameStrategies.SnakeCase;
        _options.MemberAccessStrategy.Register<AlertEmail>();
        _options.MemberAccessStrategy.Register<DigestEmail>();
        _options.MemberAccessStrategy.Register<ConfirmationEmail>();
        _options.MemberAccessStrategy.Register<EmailPaper>();

        var parser = new FluidParser();
        _alert = Load(parser, "alert");
        _digest = Load(parser, "digest");
        _confirmation = Load(parser, "confirmation");
    }

    /// <summary>The names of the embedded templates, e.g. <c>alert.html.liquid</c>.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "alert.txt.liquid", "alert.html.liquid",
        "digest.txt.liquid", "digest.html.liquid",
        "confirmation.txt.liquid", "confirmation.html.liquid",
    ];

    /// <summary>The message about one new or revised paper.</summary>
    public ValueTask<EmailBody> RenderAlertAsync(AlertEmail model) => RenderAsync(_alert, model);

    /// <summary>The ranked papers of one day or week.</summary>
    public ValueTask<EmailBody> RenderDigestAsync(DigestEmail model) => RenderAsync(_digest, model);

    /// <summary>The double opt-in message with the confirmation link.</summary>
    public ValueTask<EmailBody> RenderConfirmationAsync(ConfirmationEmail model) => RenderAsync(_confirmation, model);

    private async ValueTask<EmailBody> RenderAsync(Pair pair, object model)
    {
        var text = await pair.Text.RenderAsync(new TemplateContext(model, _options), NullEncoder.Default, isolateContext: true);
        var html = await pair.Html.RenderAsync(new TemplateContext(model, _options), Html, isolateContext: true);
        return new EmailBody(text, html);
    }

    private static Pair Load(FluidParser parser, string name) =>
        new(Parse(parser, $"{name}.txt.liquid"), Parse(parser, $"{name}.html.liquid"));

    private static IFluidTemplate Parse(FluidParser parser, string file)
    {
        using var stream = typeof(EmailTemplates).Assembly.GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new InvalidOperationException($"The e-mail template {file} is not embedded in {typeof(EmailTemplates).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var source = reader.ReadToEnd();
        return parser.TryParse(source, out var template, out var error)
            ? template
            : throw new InvalidOperationException($"The e-mail template {file} does not parse: {error}");
    }

    private sealed record Pair(IFluidTemplate Text, IFluidTemplate Html);
}
