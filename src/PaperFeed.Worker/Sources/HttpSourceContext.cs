using System.Net;
using System.Net.Http.Headers;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Polling;

namespace PaperFeed.Worker.Sources;

/// <summary>
/// What a source sees of PaperFeed during one poll: its configuration and a polite HTTP client. Validators
/// learnt during the poll are kept aside in <see cref="LearntValidators"/> and saved only when the poll
/// succeeds, so that a failed poll never turns the next one into a 304 that skips unseen papers. Only the URLs
/// asked in this poll are kept: a source that pages by date would otherwise collect validators forever.
/// </summary>
public sealed class HttpSourceContext(
    SourceDefinition source,
    IReadOnlyDictionary<string, HttpValidators> validators,
    HttpClient http,
    SourceHttpOptions options,
    ILogger logger,
    TimeProvider? clock = null) : SourceContext
{
    private readonly Dictionary<string, HttpValidators> _learnt = new(StringComparer.Ordinal);

    public override string SourceName => source.Name;
    public override Uri? Url => source.Url;
    public override IReadOnlyDictionary<string, string> Options => source.Options;

    /// <summary>The validators to save if the poll succeeds: one per URL asked in this poll.</summary>
    public IReadOnlyDictionary<string, HttpValidators> LearntValidators => _learnt;

    public override async Task<SourceResponse> GetAsync(Uri uri, CancellationToken cancellationToken)
    {
        var key = uri.AbsoluteUri;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (validators.TryGetValue(key, out var known))
        {
            if (known.ETag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag))
            {
                request.Headers.IfNoneMatch.Add(tag);
            }

            if (known.LastModified is { } lastModified && DateTimeOffset.TryParse(lastModified, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
            {
                request.Headers.IfModifiedSince = since;
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SourceException($"GET {uri} timed out after {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            throw new SourceException($"GET {uri} timed out after {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            throw new SourceException($"GET {uri} failed: {ex.Message}", ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                if (known is not null)
                {
                    _learnt[key] = known;
                }

                return new SourceResponse(true, ReadOnlyMemory<byte>.Empty, null, status);
            }

            if (!response.IsSuccessStatusCode)
            {
                byte[] errorBody;
                try
                {
                    errorBody = await ReadLimitedAsync(response, uri, ErrorBodyBytes, truncate: true, cancellationToken);
                }
                catch (SourceException)
                {
                    errorBody = [];
                }

                throw new SourceHttpException(
                    $"GET {uri} answered HTTP {status} {response.ReasonPhrase}", status, errorBody, response.Content.Headers.ContentType?.ToString());
            }

            var body = await ReadLimitedAsync(response, uri, options.MaxResponseBytes, truncate: false, cancellationToken);
            var etag = response.Headers.ETag?.ToString();
            var modified = response.Content.Headers.LastModified?.ToString("R");
            if (etag is not null || modified is not null)
            {
                _learnt[key] = new HttpValidators(etag, modified);
            }
            else
            {
                _learnt.Remove(key);
            }

            return new SourceResponse(false, body, response.Content.Headers.ContentType?.ToString(), status);
        }
    }

    /// <summary>How much of an error response's body is kept for the source to read.</summary>
    private const int ErrorBodyBytes = 64 * 1024;

    /// <summary>Reads at most <paramref name="limit"/> bytes: more is an error, or with <paramref name="truncate"/> is cut off.</summary>
    private async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, Uri uri, long limit, bool truncate, CancellationToken cancellationToken)
    {
        if (!truncate && response.Content.Headers.ContentLength is { } declared && declared > limit)
        {
            throw new SourceException($"GET {uri}: response of {declared:N0} bytes exceeds the limit of {limit:N0} bytes (PaperFeed:Http:MaxResponseBytes)");
        }

        // The per-attempt timeout of the client's pipeline ends when the headers arrive; the body gets one of its own,
        // or a server that sends headers and then nothing would hold the poll until PollTimeout.
        using var bodyTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bodyTimeout.CancelAfter(options.Timeout);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(bodyTimeout.Token);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, bodyTimeout.Token)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    if (truncate)
                    {
                        buffer.Write(chunk, 0, (int)(limit - buffer.Length));
                        break;
                    }

                    throw new SourceException($"GET {uri}: response exceeds the limit of {limit:N0} bytes (PaperFeed:Http:MaxResponseBytes)");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SourceException($"GET {uri} timed out while reading the body after {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (IOException ex)
        {
            throw new SourceException($"GET {uri}: the connection broke while reading the body: {ex.Message}", ex);
        }
    }

    public override DateTimeOffset Now => (clock ?? TimeProvider.System).GetUtcNow();

    public override void Log(string message) => logger.LogInformation("source {Source}: {Message}", source.Name, message);
}
