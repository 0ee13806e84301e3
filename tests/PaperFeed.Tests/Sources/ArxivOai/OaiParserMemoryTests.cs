using System.Globalization;
using PaperFeed.Worker.Sources.ArxivOai;

namespace PaperFeed.Tests.Sources.ArxivOai;

/// <summary>The parser streams: a page far larger than what it may hold is read record by record.</summary>
[Collection(MemoryMeasurement.Name)]
public sealed class OaiParserMemoryTests
{
    private const int RecordCount = 50_000;

    [Fact]
    public void FiftyThousandRecordPageIsReadWithoutHoldingThePage()
    {
        using var page = Page(RecordCount);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        var count = 0;
        string? last = null;

        var info = OaiParser.Parse(page, paper =>
        {
            count++;
            last = paper.ExternalId;
            if (count % 5_000 == 0)
            {
                // Live memory only (a full collection first): what the parser still holds, not what it has thrown away.
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - before);
            }
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"page {page.BytesProduced:N0} bytes, live memory grew by at most {peak:N0} bytes");
        Assert.Equal(RecordCount, count);
        Assert.Equal(RecordCount, info.Papers);
        Assert.Equal($"oai:arXiv.org:2401.{RecordCount - 1:D5}", last);
        Assert.Equal("next|50000", info.ResumptionToken);
        Assert.Equal(RecordCount * 3L, info.CompleteListSize);
        Assert.True(page.BytesProduced > 50_000_000, $"the generated page has {page.BytesProduced:N0} bytes");
        Assert.True(peak < 16_000_000, $"live memory grew by {peak:N0} bytes while reading a page of {page.BytesProduced:N0} bytes");
        Assert.True(peak < page.BytesProduced / 10, $"live memory grew by {peak:N0} bytes while reading a page of {page.BytesProduced:N0} bytes");
    }

    /// <summary>An OAI-PMH ListRecords page of <c>count</c> arXiv-format records, produced only as it is read.</summary>
    private static GeneratedPageStream Page(int count) => new(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
        <responseDate>2024-02-03T10:00:00Z</responseDate>
        <ListRecords>

        """,
        count,
        i => string.Create(CultureInfo.InvariantCulture, $"""
            <record><header><identifier>oai:arXiv.org:2401.{i:D5}</identifier><datestamp>2024-02-01</datestamp><setSpec>cs</setSpec></header>
            <metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>2401.{i:D5}</id><created>2024-01-15</created><authors><author><keyname>Author{i}</keyname><forenames>Ada</forenames></author></authors><title>Paper number {i} on
              long attention</title><categories>cs.LG cs.CL</categories><abstract>  {GeneratedPageStream.Abstract}
            </abstract></arXiv></metadata></record>

            """),
        $"<resumptionToken cursor=\"0\" completeListSize=\"{count * 3}\">next|{count}</resumptionToken>\n</ListRecords>\n</OAI-PMH>\n");
}
