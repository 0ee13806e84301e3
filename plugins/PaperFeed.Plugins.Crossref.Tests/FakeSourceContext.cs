using System.Text;
using PaperFeed.Contracts;

namespace PaperFeed.Plugins.Crossref.Tests;

/// <summary>A context that records what the source asked for and answers with canned bodies, in order.</summary>
internal sealed class FakeSourceContext : SourceContext
{
    private readonly Queue<SourceResponse> _responses;

    public FakeSourceContext(IDictionary<string, string> options, Uri? url = null, params SourceResponse[] responses)
    {
        Options = new Dictionary<string, string>(options, StringComparer.OrdinalIgnoreCase);
        Url = url;
        _responses = new Queue<SourceResponse>(responses);
    }

    public List<Uri> Requested { get; } = [];

    public List<string> Logged { get; } = [];

    public override string SourceName => "crossref-test";

    public override Uri? Url { get; }

    public override IReadOnlyDictionary<string, string> Options { get; }

    public override DateTimeOffset Now => new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    public static SourceResponse Json(string body) => new(false, Encoding.UTF8.GetBytes(body), "application/json", 200);

    public static SourceResponse NotModified() => new(true, ReadOnlyMemory<byte>.Empty, null, 304);

    public override Task<SourceResponse> GetAsync(Uri uri, CancellationToken cancellationToken)
    {
        Requested.Add(uri);
        return Task.FromResult(_responses.Count > 0 ? _responses.Dequeue() : throw new InvalidOperationException($"no canned response left for {uri}"));
    }

    public override void Log(string message) => Logged.Add(message);
}
