namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// How times are kept in MongoDB. Inside documents a <see cref="DateTimeOffset"/> is stored whole, as the driver's
/// document representation <c>{ DateTime: ISODate (UTC), Ticks, Offset }</c>, so it reads back to the tick with its
/// offset. Fields that queries filter or sort on are written beside it as plain BSON dates in UTC at millisecond
/// precision (<see cref="ToMillis"/>), the precision of SQLite's integer columns, so both adapters compare alike;
/// the delivery claim compares UTC ticks, as <c>DeliveryTransitions.IsClaimable</c> does.
/// </summary>
internal static class MongoTime
{
    /// <summary>The instant as a UTC <see cref="DateTime"/> truncated to whole milliseconds (as <see cref="DateTimeOffset.ToUnixTimeMilliseconds"/>).</summary>
    public static DateTime ToMillis(DateTimeOffset value) =>
        DateTime.UnixEpoch.AddTicks(value.ToUnixTimeMilliseconds() * TimeSpan.TicksPerMillisecond);

    /// <summary>A BSON date read back (UTC) as a <see cref="DateTimeOffset"/> with offset zero.</summary>
    public static DateTimeOffset FromMillis(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
