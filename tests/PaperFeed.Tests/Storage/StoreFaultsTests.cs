using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using PaperFeed.Worker.Storage;

namespace PaperFeed.Tests.Storage;

public sealed class StoreFaultsTests
{
    public static TheoryData<int> TransientSqliteCodes => [5, 6, 8, 10, 13, 14, 15];

    public static TheoryData<int> PermanentSqliteCodes => [1, 11, 19, 20, 26];

    [Theory]
    [MemberData(nameof(TransientSqliteCodes))]
    public void ALockedBusyUnreadableOrFullSqliteFileIsAnOutage(int code) =>
        Assert.True(StoreFaults.IsTransient(new SqliteException("sqlite says no", code)));

    [Theory]
    [MemberData(nameof(PermanentSqliteCodes))]
    public void SyntaxCorruptionAndConstraintErrorsAreNot(int code) =>
        Assert.False(StoreFaults.IsTransient(new SqliteException("sqlite says no", code)));

    [Fact]
    public void NetworkAndTimeoutFailuresAreOutagesWhereverTheyAreWrapped()
    {
        Assert.True(StoreFaults.IsTransient(new TimeoutException("no server was selectable")));
        Assert.True(StoreFaults.IsTransient(new InvalidOperationException("cannot reach MongoDB at db:27017", new TimeoutException())));
        Assert.True(StoreFaults.IsTransient(new IOException("disk")));
        Assert.True(StoreFaults.IsTransient(new SocketException((int)SocketError.ConnectionRefused)));
    }

    [Fact]
    public void BugsAndBadDataAreNot()
    {
        Assert.False(StoreFaults.IsTransient(new NullReferenceException()));
        Assert.False(StoreFaults.IsTransient(new FormatException("bad date")));
        Assert.False(StoreFaults.IsTransient(new InvalidOperationException("sequence contains no elements")));
        Assert.False(StoreFaults.IsTransient(new OperationCanceledException()));
    }
}
