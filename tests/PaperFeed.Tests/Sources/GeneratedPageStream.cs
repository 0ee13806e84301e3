using System.Text;

namespace PaperFeed.Tests.Sources;

/// <summary>
/// A large response body produced only as it is read: a head, <c>count</c> entries, a tail. Parsers that stream can
/// be shown to read it without ever holding it.
/// </summary>
public sealed class GeneratedPageStream(string head, int count, Func<int, string> entry, string tail) : Stream
{
    /// <summary>An abstract of realistic length (~0.9 KB).</summary>
    public static readonly string Abstract = string.Join(' ', Enumerable.Repeat("We study a model of attention that scales to very long inputs.", 14));

    private byte[] _chunk = Encoding.UTF8.GetBytes(head);
    private int _offset;
    private int _next;
    private bool _ended;

    public long BytesProduced { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_offset == _chunk.Length)
        {
            if (_ended)
            {
                return 0;
            }

            if (_next == count)
            {
                _ended = true;
                _chunk = Encoding.UTF8.GetBytes(tail);
            }
            else
            {
                _chunk = Encoding.UTF8.GetBytes(entry(_next++));
            }

            _offset = 0;
        }

        var n = Math.Min(buffer.Length, _chunk.Length - _offset);
        _chunk.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        BytesProduced += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesProduced; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
