using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using MongoDB.Driver;

namespace PaperFeed.Worker.Storage;

/// <summary>
/// Tells a store that is unavailable for a while (locked, unreachable, electing a primary, out of disk) from a
/// message or a bug that will fail every time. The first is retried until the store is back; the second, a
/// bounded number of times before the message goes to its error queue.
/// </summary>
public static class StoreFaults
{
    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY (permissions being fixed), SQLITE_IOERR, SQLITE_FULL,
    // SQLITE_CANTOPEN, SQLITE_PROTOCOL.
    private static readonly HashSet<int> TransientSqlite = [5, 6, 8, 10, 13, 14, 15];

    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException sqlite when TransientSqlite.Contains(sqlite.SqliteErrorCode):
                case MongoConnectionException:
                case MongoNotPrimaryException:
                case MongoNodeIsRecoveringException:
                case MongoExecutionTimeoutException:
                case MongoWaitQueueFullException:
                case MongoException mongo when mongo.HasErrorLabel("RetryableWriteError") || mongo.HasErrorLabel("TransientTransactionError"):
                case TimeoutException:
                case IOException:
                case SocketException:
                    return true;
            }
        }

        return false;
    }
}
