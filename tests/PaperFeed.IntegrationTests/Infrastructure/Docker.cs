namespace PaperFeed.IntegrationTests.Infrastructure;

/// <summary>What the service fixtures ask before trying Testcontainers.</summary>
internal static class Docker
{
    /// <summary>The cheap signs of a Docker engine: DOCKER_HOST, the default socket, or Testcontainers' properties file.</summary>
    public static bool MayBeAvailable() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST"))
        || File.Exists("/var/run/docker.sock")
        || File.Exists(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".testcontainers.properties"));

    /// <summary>The reason printed when none of those signs is there.</summary>
    public const string Absent = "no DOCKER_HOST, no /var/run/docker.sock, no ~/.testcontainers.properties";
}
