namespace PaperFeed.Contracts;

/// <summary>
/// A kind of source PaperFeed can poll. One instance serves every configured source of its type, so an
/// implementation keeps no per-source state: what it needs between polls goes into the checkpoint.
/// </summary>
/// <remarks>
/// A plug-in is an assembly that references PaperFeed.Contracts only, contains a public type implementing this
/// interface with a public parameterless constructor, and is dropped into the plug-ins folder.
/// </remarks>
public interface IPaperSource
{
    /// <summary>The type name used in configuration (<c>PaperFeed:Sources:N:Type</c>), e.g. <c>feed</c>.</summary>
    string Type { get; }

    /// <summary>
    /// Fetches what is new since <paramref name="checkpoint"/>. Throw <see cref="SourceException"/> with a
    /// message a user can act on when the source cannot be read; PaperFeed records it against this source
    /// and backs off.
    /// </summary>
    /// <param name="context">The configured source and a polite HTTP client.</param>
    /// <param name="checkpoint">What the last successful poll returned as <see cref="FetchResult.Checkpoint"/>, or null.</param>
    /// <param name="cancellationToken">Cancelled when the worker stops or the poll times out.</param>
    Task<FetchResult> FetchAsync(SourceContext context, string? checkpoint, CancellationToken cancellationToken);
}

/// <summary>What a poll found.</summary>
/// <param name="Papers">The papers seen (duplicates of earlier polls are fine: they are deduplicated downstream).</param>
/// <param name="Checkpoint">Saved only after every paper was published, and handed to the next poll.</param>
public sealed record FetchResult(IReadOnlyList<DiscoveredPaper> Papers, string? Checkpoint)
{
    /// <summary>Nothing new; the checkpoint stays as it was.</summary>
    public static FetchResult Unchanged(string? checkpoint) => new([], checkpoint);
}

/// <summary>
/// The source being polled and the services a source may use. PaperFeed supplies the implementation.
/// </summary>
public abstract class SourceContext
{
    /// <summary>The configured name of the source.</summary>
    public abstract string SourceName { get; }

    /// <summary>The configured URL, if any.</summary>
    public abstract Uri? Url { get; }

    /// <summary>Every other configured option of the source (case-insensitive keys).</summary>
    public abstract IReadOnlyDictionary<string, string> Options { get; }

    /// <summary>
    /// GETs <paramref name="uri"/> politely: conditional (ETag / Last-Modified remembered per URL and
    /// committed only when the poll succeeds), with PaperFeed's timeouts, size limit, retries and rate limits.
    /// Throws <see cref="SourceHttpException"/> for HTTP error statuses (with the start of the body) and
    /// <see cref="SourceException"/> for timeouts, network failures and oversized bodies.
    /// </summary>
    public abstract Task<SourceResponse> GetAsync(Uri uri, CancellationToken cancellationToken);

    /// <summary>The current time (sources that page by date use it; tests replace it).</summary>
    public virtual DateTimeOffset Now => DateTimeOffset.UtcNow;

    /// <summary>Writes a diagnostic line to the worker's log under this source's name.</summary>
    public abstract void Log(string message);
}

/// <summary>A response to <see cref="SourceContext.GetAsync"/>.</summary>
/// <param name="NotModified">True when the server answered 304: nothing changed since the last successful poll.</param>
/// <param name="Body">The response body (empty when <paramref name="NotModified"/>).</param>
/// <param name="ContentType">The Content-Type header, including any charset parameter.</param>
/// <param name="StatusCode">The HTTP status code.</param>
public sealed record SourceResponse(bool NotModified, ReadOnlyMemory<byte> Body, string? ContentType, int StatusCode);

/// <summary>A source could not be read. The message says why and, where possible, what to do.</summary>
public class SourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SourceException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public SourceException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// The server answered with an error status. Sources whose servers explain errors in the body (arXiv's API
/// answers a malformed query with HTTP 400 and an Atom "Error" entry) can read it from <see cref="Body"/>.
/// </summary>
public class SourceHttpException : SourceException
{
    /// <summary>Creates the exception.</summary>
    public SourceHttpException(string message, int statusCode, ReadOnlyMemory<byte> body, string? contentType)
        : base(message)
    {
        StatusCode = statusCode;
        Body = body;
        ContentType = contentType;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The start of the response body (at most 64 KiB).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The Content-Type header of the error response.</summary>
    public string? ContentType { get; }
}
