namespace PaperFeed.Plugins.Crossref.Tests;

/// <summary>This project's own recorded inputs under TestData/crossref.</summary>
internal static class TestFiles
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "crossref", name));
}
