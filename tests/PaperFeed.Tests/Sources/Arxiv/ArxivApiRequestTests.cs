using PaperFeed.Worker.Sources.Arxiv;

namespace PaperFeed.Tests.Sources.Arxiv;

/// <summary>How the arxiv-api source asks: the page URL it builds.</summary>
public sealed class ArxivApiRequestTests
{
    [Fact]
    public void PageUriAsksForNewestSubmissionsFirstWithTheQueryEscaped()
    {
        var uri = ArxivApiSource.PageUri(new Uri(ArxivApiSource.DefaultEndpoint), "cat:cs.CL AND abs:retrieval", 200, 100);

        Assert.Equal(
            "https://export.arxiv.org/api/query?search_query=cat%3Acs.CL%20AND%20abs%3Aretrieval&sortBy=submittedDate&sortOrder=descending&start=200&max_results=100",
            uri.AbsoluteUri);
    }

    [Fact]
    public void PageUriKeepsAnotherEndpointsSchemeHostAndPath()
    {
        var uri = ArxivApiSource.PageUri(new Uri("http://127.0.0.1:5123/api/query"), "au:\"del maestro\" OR ti:quantum+spin", 0, 2000);

        Assert.Equal(
            "http://127.0.0.1:5123/api/query?search_query=au%3A%22del%20maestro%22%20OR%20ti%3Aquantum%2Bspin&sortBy=submittedDate&sortOrder=descending&start=0&max_results=2000",
            uri.AbsoluteUri);
    }
}
