using Microsoft.Extensions.Configuration;
using PaperFeed.Worker.Hosting;

namespace PaperFeed.Tests.Hosting;

public sealed class WorkerRolesTests
{
    private static WorkerRoles Read(params (string Key, string Value)[] settings) =>
        WorkerRolesConfiguration.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void EveryRoleByDefault()
    {
        Assert.Equal(WorkerRoles.All, Read());
        Assert.Equal(WorkerRoles.All, Read(("PaperFeed:Roles", " ")));
    }

    [Theory]
    [InlineData("poller", WorkerRoles.Poller)]
    [InlineData("Poller, API", WorkerRoles.Poller | WorkerRoles.Api)]
    [InlineData("ingest notify", WorkerRoles.Ingest | WorkerRoles.Notify)]
    [InlineData("ingest;ingest", WorkerRoles.Ingest)]
    [InlineData("all", WorkerRoles.All)]
    public void AListInOneValue(string value, WorkerRoles expected) => Assert.Equal(expected, Read(("PaperFeed:Roles", value)));

    [Fact]
    public void AConfigurationArray() =>
        Assert.Equal(WorkerRoles.Notify | WorkerRoles.Api, Read(("PaperFeed:Roles:0", "notify"), ("PaperFeed:Roles:1", "api")));

    [Fact]
    public void AnUnknownRoleIsRefusedWithTheValidOnes()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Read(("PaperFeed:Roles", "poller,mailer")));

        Assert.Equal("PaperFeed:Roles names an unknown role 'mailer' (roles: poller, ingest, notify, api, or all; e.g. PaperFeed__Roles=poller,api)", e.Message);
    }

    [Theory]
    [InlineData(WorkerRoles.All, "all")]
    [InlineData(WorkerRoles.Poller | WorkerRoles.Api, "poller,api")]
    [InlineData(WorkerRoles.Ingest | WorkerRoles.Notify, "ingest,notify")]
    public void DescribedAsConfigured(WorkerRoles roles, string expected) => Assert.Equal(expected, roles.Describe());
}
