using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;

namespace PaperFeed.Worker.Api;

/// <summary>
/// Reads a JSON request body of at most <see cref="MaxBytes"/> and says precisely what is wrong with one that cannot
/// be read: too large (413), not UTF-8, malformed, an unknown field or a value of the wrong type (400, naming the
/// field and where it is). Model binding would answer all of these with a bare 400. (A Content-Type other than JSON
/// is answered 415 by routing, from the endpoint's Accepts metadata.)
/// </summary>
internal static class JsonRequestBody
{
    /// <summary>
    /// The largest body read: a subscription with every filter list full (100 entries of 200 characters) is about
    /// 110 KB of JSON; twice that leaves room for non-ASCII text and escapes.
    /// </summary>
    public const int MaxBytes = 256 * 1024;

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }

        // Read whole first (at most MaxBytes + 1): a body without Content-Length is held to the same limit, and
        // errors can name the line and byte they were found at.
        using var body = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (body.Length + read > MaxBytes)
            {
                return (null, TooLarge());
            }

            body.Write(chunk, 0, read);
        }

        var json = body.GetBuffer().AsSpan(0, (int)body.Length);
        if (!Utf8.IsValid(json))
        {
            Utf8.ToUtf16(json, new char[json.Length], out var valid, out _, replaceInvalidSequences: false);
            return (null, Problem(StatusCodes.Status400BadRequest, string.Create(CultureInfo.InvariantCulture, $"the body is not valid UTF-8 (at byte {valid + 1})")));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(json, options);
            return value is null ? (null, Problem(StatusCodes.Status400BadRequest, "the body must be a JSON object, not null")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, Describe(ex)));
        }
    }

    private static string Describe(JsonException ex)
    {
        var at = string.Create(CultureInfo.InvariantCulture, $"line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}");
        var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;

        // System.Text.Json appends " Path: … | LineNumber: … | BytePositionInLine: …." to its messages.
        var message = ex.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal) is >= 0 and var p ? p : message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        var reason = (cut >= 0 ? message[..cut] : message).Trim();

        if (reason.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return $"unknown field '{field ?? ex.Path}' at {at}";
        }

        if (reason.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return field is null
                ? $"the body must be a JSON object (at {at})"
                : $"field '{field}' at {at} has a value of the wrong type, or a number out of range";
        }

        return $"malformed JSON at {at}: {reason}";
    }

    private static ProblemHttpResult TooLarge() =>
        Problem(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture, $"the request body is larger than {MaxBytes:N0} bytes, the most a subscription needs"));

    private static ProblemHttpResult Problem(int status, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: "The request body cannot be read");
}
