using System.Globalization;
using PaperFeed.Worker.Sources.Feed;
using Xunit;

namespace PaperFeed.Tests.Sources;

/// <summary>Lenient feed dates: what real feeds write, and garbage as null.</summary>
public sealed class FeedDatesTests
{
    [Theory]
    [InlineData("Wed, 17 Oct 2018 10:30:00 GMT", "2018-10-17T10:30:00+00:00")]
    [InlineData("Sun, 28 Oct 2018 13:48:00 +0100", "2018-10-28T13:48:00+01:00")]
    [InlineData("Tue, 21 May 2024 20:00:00 EDT", "2024-05-21T20:00:00-04:00")]
    [InlineData("Mon, 01 Jan 2024 09:15:00 PST", "2024-01-01T09:15:00-08:00")]
    [InlineData("1 Jan 2024 09:15 -0530", "2024-01-01T09:15:00-05:30")]
    [InlineData("Thu, 15 Mar 18 10:15:42 +0300", "2018-03-15T10:15:42+03:00")]
    [InlineData("Wednesday, 17 October 2018 10:30:00 UT", "2018-10-17T10:30:00+00:00")]
    [InlineData("2021-02-27T01:06:30+00:00", "2021-02-27T01:06:30+00:00")]
    [InlineData("2017-05-17T08:02:12-07:00", "2017-05-17T08:02:12-07:00")]
    [InlineData("2024-03-12T05:30:27Z", "2024-03-12T05:30:27+00:00")]
    [InlineData("2024-03-12T05:30:27.123Z", "2024-03-12T05:30:27.1230000+00:00")]
    [InlineData("2018-10-11", "2018-10-11T00:00:00+00:00")]
    [InlineData("2018-12-17-08:00", "2018-12-17T00:00:00-08:00")]
    [InlineData("  2018-12-17+0100 ", "2018-12-17T00:00:00+01:00")]
    public void ReadsWhatFeedsWrite(string input, string expected)
    {
        var parsed = FeedDates.Parse(input);

        // Round-trip strings compare the offset too, not only the instant.
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture).ToString("o", CultureInfo.InvariantCulture), parsed?.ToString("o", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a date at all")]
    [InlineData("Wed, 32 Oct 2018 10:30:00 GMT")]
    [InlineData("Wed, 17 Foo 2018 10:30:00 GMT")]
    [InlineData("Wed, 17 Oct 2018 25:30:00 GMT")]
    [InlineData("2018-12-17-19:00")]
    public void UnreadableIsNull(string? input)
    {
        Assert.Null(FeedDates.Parse(input));
    }
}
