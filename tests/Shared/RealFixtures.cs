using Xunit;

namespace PaperFeed.Testing;

/// <summary>
/// The recorded real-world payloads kept outside the repository, in <c>../shared/fixtures/real</c> next to the
/// clone (or where <c>PAPERFEED_REAL_FIXTURES</c> points). Tests over them skip, saying why, where the folder is absent.
/// </summary>
public static class RealFixtures
{
    public static string? Root { get; } = Locate();

    private static string? Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PAPERFEED_REAL_FIXTURES");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Directory.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
        }

        var repo = RepoPaths.Root;
        var candidate = Path.GetFullPath(Path.Combine(repo, "..", "shared", "fixtures", "real"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    /// <summary>The folder of one kind of payload (e.g. <c>feeds</c>), or a skip with the reason when absent.</summary>
    public static string Folder(string kind)
    {
        if (Root is not { } root)
        {
            Assert.Skip($"real fixtures not found: expected ../shared/fixtures/real beside the repository ({RepoPaths.Root}) or PAPERFEED_REAL_FIXTURES");
            return "";
        }

        var folder = Path.Combine(root, kind);
        if (!Directory.Exists(folder))
        {
            Assert.Skip($"real fixture folder {folder} is absent");
        }

        return folder;
    }

    /// <summary>The full path of one recorded file, or a skip with the reason when absent.</summary>
    public static string File(string kind, string name)
    {
        var path = Path.Combine(Folder(kind), name);
        if (!System.IO.File.Exists(path))
        {
            Assert.Skip($"real fixture {path} is absent");
        }

        return path;
    }

    /// <summary>File names of one kind, for theory data; empty when the folder is absent (the theory then reports nothing to run).</summary>
    public static IEnumerable<string> Names(string kind, string pattern = "*") =>
        Root is null || !Directory.Exists(Path.Combine(Root, kind))
            ? []
            : Directory.EnumerateFiles(Path.Combine(Root, kind), pattern).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);
}

/// <summary>Paths inside the repository, found from the test assembly's location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "PaperFeed.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"PaperFeed.sln not found above {AppContext.BaseDirectory}");
    }
}
