using System.Security;
using System.Text;

namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>Small feeds written for the tests.</summary>
public static class TestFeeds
{
    public sealed record Item(string Guid, string Title, string? Link = null, string? Doi = null, string? Description = null, string? Creator = null);

    public static byte[] Rss(params Item[] items)
    {
        var sb = new StringBuilder();
        sb.Append("""
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">
            <channel><title>Test listing</title><link>https://example.org/</link><description>papers</description>
            """);
        foreach (var item in items)
        {
            sb.Append("<item>")
              .Append("<guid isPermaLink=\"false\">").Append(SecurityElement.Escape(item.Guid)).Append("</guid>")
              .Append("<title>").Append(SecurityElement.Escape(item.Title)).Append("</title>");
            if (item.Link is not null)
            {
                sb.Append("<link>").Append(SecurityElement.Escape(item.Link)).Append("</link>");
            }

            if (item.Doi is not null)
            {
                sb.Append("<prism:doi>").Append(SecurityElement.Escape(item.Doi)).Append("</prism:doi>");
            }

            sb.Append("<description>").Append(SecurityElement.Escape(item.Description ?? $"Abstract of {item.Title}.")).Append("</description>")
              .Append("<dc:creator>").Append(SecurityElement.Escape(item.Creator ?? "Ada Lovelace")).Append("</dc:creator>")
              .Append("<pubDate>Mon, 20 May 2024 12:00:00 GMT</pubDate>")
              .Append("</item>\n");
        }

        sb.Append("</channel></rss>\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
