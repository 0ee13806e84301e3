using PaperFeed.Contracts;

namespace PaperFeed.Worker.Papers;

/// <summary>
/// How an incoming sighting changes the stored paper. Pure: every store adapter (SQLite, MongoDB) calls it, so
/// that the decisions (which paper a sighting belongs to, what counts as a revision) are made in one place
/// and storage only persists the result.
/// </summary>
public static class PaperMerge
{
    /// <summary>Merges <paramref name="incoming"/> into <paramref name="existing"/> (or creates the paper when null).</summary>
    public static (StoredPaper Paper, UpsertOutcome Outcome) Apply(StoredPaper? existing, PaperDiscovered incoming, DateTimeOffset now) =>
        Apply(existing, incoming, now, static _ => false);

    /// <summary>
    /// As <see cref="Apply(StoredPaper?, PaperDiscovered, DateTimeOffset)"/>, leaving out the identity keys that
    /// <paramref name="ownedElsewhere"/> says another stored paper already owns (a key belongs to one paper only).
    /// </summary>
    public static (StoredPaper Paper, UpsertOutcome Outcome) Apply(
        StoredPaper? existing, PaperDiscovered incoming, DateTimeOffset now, Func<string, bool> ownedElsewhere)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        ArgumentNullException.ThrowIfNull(ownedElsewhere);
        var p = incoming.Paper;
        var incomingKeys = PaperIdentity.KeysOf(p).Where(k => !ownedElsewhere(k)).ToList();
        return existing is null ? Add(incoming, incomingKeys, now) : Merge(existing, incoming, incomingKeys, now);
    }

    /// <summary>
    /// Which stored paper a sighting with <paramref name="incomingKeys"/> belongs to, given the papers that own
    /// some of those keys: the owner of the highest-ranked key, unless that owner is known under a different
    /// identifier of a higher rank than the shared key (two arXiv ids that share only a title are two papers).
    /// Null when the sighting is a new paper.
    /// </summary>
    public static StoredPaper? ChooseTarget(IReadOnlyList<string> incomingKeys, IReadOnlyDictionary<string, StoredPaper> ownerByKey)
    {
        ArgumentNullException.ThrowIfNull(incomingKeys);
        ArgumentNullException.ThrowIfNull(ownerByKey);
        foreach (var key in incomingKeys.OrderBy(Rank))
        {
            if (ownerByKey.TryGetValue(key, out var owner) && !Conflicts(incomingKeys, owner.Keys, Rank(key)))
            {
                return owner;
            }
        }

        return null;
    }

    private static bool Conflicts(IReadOnlyList<string> incomingKeys, IReadOnlyList<string> storedKeys, int matchedRank)
    {
        for (var rank = 0; rank < matchedRank; rank++)
        {
            var mine = incomingKeys.Where(k => Rank(k) == rank).ToList();
            var theirs = storedKeys.Where(k => Rank(k) == rank).ToList();
            if (mine.Count > 0 && theirs.Count > 0 && !mine.Intersect(theirs, StringComparer.Ordinal).Any())
            {
                return true;
            }
        }

        return false;
    }

    private static int Rank(string key) =>
        key.StartsWith(PaperIdentity.ArxivPrefix, StringComparison.Ordinal) ? 0
        : key.StartsWith(PaperIdentity.DoiPrefix, StringComparison.Ordinal) ? 1
        : 2;

    private static (StoredPaper, UpsertOutcome) Add(PaperDiscovered incoming, List<string> keys, DateTimeOffset now)
    {
        var p = incoming.Paper;
        if (keys.Count == 0)
        {
            throw new ArgumentException(
                $"paper merge: the paper '{p.ExternalId}' from source '{incoming.Source}' has no identity key (no arXiv id, DOI or title)",
                nameof(incoming));
        }

        var paper = new StoredPaper
        {
            Id = PaperIdentity.Canonical(keys),
            Keys = keys,
            Title = p.Title.Trim(),
            Abstract = p.Abstract,
            Authors = p.Authors.ToList(),
            Categories = p.Categories.Distinct(StringComparer.Ordinal).ToList(),
            Keywords = p.Keywords.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            Summary = p.Summary,
            Version = PaperIdentity.VersionOf(p),
            PublishedAt = p.PublishedAt,
            UpdatedAt = p.UpdatedAt,
            WithdrawnAt = p.WithdrawnAt,
            Links = p.Links,
            Metrics = p.Metrics,
            Sightings = [new Sighting(incoming.Source, p.ExternalId, now, now)],
            MetricHistory = HasAny(p.Metrics) ? [new MetricSample(now, p.Metrics)] : [],
            Revision = 1,
            AnnouncedRevision = 0,
            FirstSeenAt = now,
            LastChangedAt = now,
        };
        return (paper, UpsertOutcome.Added);
    }

    private static (StoredPaper, UpsertOutcome) Merge(StoredPaper stored, PaperDiscovered incoming, List<string> incomingKeys, DateTimeOffset now)
    {
        var p = incoming.Paper;
        var updated = false;

        var keys = stored.Keys.ToList();
        foreach (var key in incomingKeys)
        {
            if (!keys.Contains(key, StringComparer.Ordinal))
            {
                keys.Add(key);
                updated = true;
            }
        }

        var sightings = stored.Sightings.ToList();
        var at = sightings.FindIndex(s => s.Source == incoming.Source && s.ExternalId == p.ExternalId);
        if (at < 0)
        {
            sightings.Add(new Sighting(incoming.Source, p.ExternalId, now, now));
            updated = true;
        }
        else
        {
            sightings[at] = sightings[at] with { LastSeenAt = now };
        }

        var paper = stored with { Keys = keys, Id = PaperIdentity.Canonical(keys), Sightings = sightings };

        // Only a higher version than the stored one is a revision: sources lag behind each other, and a feed
        // still listing v1 after the API reported v2 must not roll the paper back or announce it again.
        var version = PaperIdentity.VersionOf(p);
        var newerVersion = version is { } v && stored.Version is { } sv && v > sv;
        var newlyWithdrawn = p.WithdrawnAt is not null && stored.WithdrawnAt is null;
        var revised = newerVersion || newlyWithdrawn;
        if (newerVersion)
        {
            paper = paper with
            {
                Title = string.IsNullOrWhiteSpace(p.Title) ? paper.Title : p.Title.Trim(),
                Abstract = p.Abstract ?? paper.Abstract,
                Authors = p.Authors.Count > 0 ? p.Authors.ToList() : paper.Authors,
                Version = version,
                UpdatedAt = p.UpdatedAt ?? paper.UpdatedAt,
            };
        }

        if (newlyWithdrawn)
        {
            paper = paper with { WithdrawnAt = p.WithdrawnAt };
        }

        // Metrics: a source reports only some of them, so only those it reports are compared and taken.
        var metrics = MergeMetrics(paper.Metrics, p.Metrics);
        if (metrics != paper.Metrics)
        {
            paper = paper with { Metrics = metrics, MetricHistory = [.. paper.MetricHistory, new MetricSample(now, metrics)] };
            updated = true;
        }

        var (filled, anyFilled) = FillMissing(paper, p, version);
        paper = filled;
        updated |= anyFilled;

        if (revised)
        {
            return (paper with { Revision = stored.Revision + 1, LastChangedAt = now }, UpsertOutcome.Revised);
        }

        return updated
            ? (paper with { LastChangedAt = now }, UpsertOutcome.Updated)
            : (paper, UpsertOutcome.Unchanged);
    }

    private static PaperMetrics MergeMetrics(PaperMetrics stored, PaperMetrics incoming) => new()
    {
        Upvotes = incoming.Upvotes ?? stored.Upvotes,
        Comments = incoming.Comments ?? stored.Comments,
        GithubStars = incoming.GithubStars ?? stored.GithubStars,
    };

    private static bool HasAny(PaperMetrics m) => m.Upvotes is not null || m.Comments is not null || m.GithubStars is not null;

    /// <summary>Fields the stored paper lacks and this source knows; never overwrites what is there.</summary>
    private static (StoredPaper Paper, bool Filled) FillMissing(StoredPaper paper, DiscoveredPaper p, int? version)
    {
        var filled = false;
        if (string.IsNullOrWhiteSpace(paper.Abstract) && !string.IsNullOrWhiteSpace(p.Abstract))
        {
            paper = paper with { Abstract = p.Abstract };
            filled = true;
        }

        if (paper.Authors.Count == 0 && p.Authors.Count > 0)
        {
            paper = paper with { Authors = p.Authors.ToList() };
            filled = true;
        }

        if (paper.PublishedAt is null && p.PublishedAt is not null)
        {
            paper = paper with { PublishedAt = p.PublishedAt };
            filled = true;
        }

        if (paper.Version is null && version is not null)
        {
            paper = paper with { Version = version };
            filled = true;
        }

        if (string.IsNullOrWhiteSpace(paper.Summary) && !string.IsNullOrWhiteSpace(p.Summary))
        {
            paper = paper with { Summary = p.Summary };
            filled = true;
        }

        var newKeywords = p.Keywords.Where(k => !paper.Keywords.Contains(k, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (newKeywords.Count > 0)
        {
            paper = paper with { Keywords = [.. paper.Keywords, .. newKeywords] };
            filled = true;
        }

        var newCategories = p.Categories.Where(c => !paper.Categories.Contains(c, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        if (newCategories.Count > 0)
        {
            paper = paper with { Categories = [.. paper.Categories, .. newCategories] };
            filled = true;
        }

        var links = paper.Links with
        {
            Abstract = paper.Links.Abstract ?? p.Links.Abstract,
            Pdf = paper.Links.Pdf ?? p.Links.Pdf,
            Code = paper.Links.Code ?? p.Links.Code,
            Project = paper.Links.Project ?? p.Links.Project,
        };
        if (links != paper.Links)
        {
            paper = paper with { Links = links };
            filled = true;
        }

        return (paper, filled);
    }
}
