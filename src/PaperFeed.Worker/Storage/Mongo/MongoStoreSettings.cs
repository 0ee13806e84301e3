using System.Text.RegularExpressions;
using MongoDB.Driver;

namespace PaperFeed.Worker.Storage.Mongo;

/// <summary>
/// Where the MongoDB store lives: the parsed connection string, the database (the connection string's path, else
/// <see cref="DefaultDatabase"/>) and how long to wait for a server before an operation fails. Every message this
/// type builds leaves the password out.
/// </summary>
public sealed partial class MongoStoreSettings
{
    public const string DefaultDatabase = "paperfeed";

    /// <summary>Used unless the connection string sets <c>serverSelectionTimeoutMS</c>: fail fast instead of the driver's 30 s.</summary>
    public static readonly TimeSpan DefaultServerSelectionTimeout = TimeSpan.FromSeconds(5);

    private MongoStoreSettings(MongoUrl url, string databaseName, TimeSpan serverSelectionTimeout)
    {
        Url = url;
        DatabaseName = databaseName;
        ServerSelectionTimeout = serverSelectionTimeout;
    }

    /// <summary>The parsed connection string.</summary>
    public MongoUrl Url { get; }

    public string DatabaseName { get; }

    public TimeSpan ServerSelectionTimeout { get; }

    /// <summary>The servers of the connection string as <c>host:port, host:port</c> (the SRV name for <c>mongodb+srv</c>).</summary>
    public string Hosts => string.Join(", ", Url.Servers.Select(s => $"{s.Host}:{s.Port}"));

    /// <summary>
    /// Parses <paramref name="connectionString"/> (<c>mongodb://host:27017/paperfeed</c>). The database is
    /// <paramref name="databaseName"/> when given, else the connection string's path, else <see cref="DefaultDatabase"/>;
    /// the server selection timeout is <paramref name="serverSelectionTimeout"/> when given, else the connection string's
    /// <c>serverSelectionTimeoutMS</c>, else <see cref="DefaultServerSelectionTimeout"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string or the database name is not valid (one line, no password).</exception>
    public static MongoStoreSettings Parse(string connectionString, string? databaseName = null, TimeSpan? serverSelectionTimeout = null)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("the MongoDB connection string is empty; use e.g. 'mongodb://localhost:27017/paperfeed'");
        }

        MongoUrl url;
        try
        {
            url = MongoUrl.Create(connectionString.Trim());
        }
        catch (Exception ex) when (ex is MongoConfigurationException or FormatException or ArgumentException)
        {
            throw new ArgumentException(OneLine(
                $"'{Redact(connectionString.Trim())}' is not a MongoDB connection string ({Redact(ex.Message)}); use e.g. 'mongodb://localhost:27017/paperfeed'"));
        }

        var database = string.IsNullOrWhiteSpace(databaseName)
            ? string.IsNullOrWhiteSpace(url.DatabaseName) ? DefaultDatabase : url.DatabaseName
            : databaseName.Trim();
        if (database.Length > 63 || database.IndexOfAny(InvalidDatabaseCharacters) >= 0)
        {
            throw new ArgumentException(
                $"'{database}' is not a valid MongoDB database name (at most 63 characters, none of / \\ . \" $ * < > : | ? or space)");
        }

        var timeout = serverSelectionTimeout
            ?? (SetsServerSelectionTimeout(connectionString) ? url.ServerSelectionTimeout : DefaultServerSelectionTimeout);
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"the MongoDB server selection timeout must be positive (was {timeout})");
        }

        return new MongoStoreSettings(url, database, timeout);
    }

    /// <summary>The one-line start failure for a server that did not answer: <c>cannot reach MongoDB at host:port: reason</c>.</summary>
    public string CannotReach(string reason) => OneLine($"cannot reach MongoDB at {Hosts}: {RedactPassword(reason)}");

    /// <summary>The one-line start failure for credentials the server refused.</summary>
    public string CannotAuthenticate(string reason) =>
        OneLine($"cannot authenticate to MongoDB at {Hosts} as '{Url.Username}': {RedactPassword(reason)}");

    /// <summary>Replaces the password of any <c>scheme://user:password@</c> in <paramref name="text"/> with <c>****</c>.</summary>
    internal static string Redact(string text) => UserInfoPassword().Replace(text, "$1****@");

    private string RedactPassword(string text)
    {
        var redacted = Redact(text);
        return string.IsNullOrEmpty(Url.Password) ? redacted : redacted.Replace(Url.Password, "****", StringComparison.Ordinal);
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static bool SetsServerSelectionTimeout(string connectionString) =>
        connectionString.Contains("serverSelectionTimeoutMS=", StringComparison.OrdinalIgnoreCase);

    private static readonly char[] InvalidDatabaseCharacters = ['/', '\\', '.', '"', '$', '*', '<', '>', ':', '|', '?', ' ', '\0'];

    // scheme://user:password@ — the password is anything up to the last @ before the host list.
    [GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^\s/]*@", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfoPassword();
}
