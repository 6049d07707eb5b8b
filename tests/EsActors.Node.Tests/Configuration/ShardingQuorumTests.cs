using Akka.Cluster.Sharding;
using Akka.Configuration;
using EsActors.Node.Configuration;

namespace EsActors.Node.Tests.Configuration;

/// <summary>
/// The sharding coordinator's quorum, as a node is configured: plain majorities. Akka's defaults (majority + 5 to read,
/// + 3 to write, never fewer than 5 nodes) left a new coordinator unable to read its state for as long as a worker was
/// killed every 5 s (`EsActors.Bench churn`, docs/reliability.md): new workers then got no shards.
/// </summary>
public sealed class ShardingQuorumTests
{
    private static Config NodeConfiguration() =>
        NodeConfig.Build(new NodeOptions("127.0.0.1", 0, [], 1, JournalTarget.Parse(Path.Combine(Path.GetTempPath(), "unused-journal.db")), null, null));

    [Fact]
    public void The_coordinator_reads_and_writes_its_state_with_a_plain_majority_without_a_floor_of_five_nodes()
    {
        var config = NodeConfiguration();
        var settings = ClusterShardingSettings.Create(config.GetConfig("akka.cluster.sharding"), config.GetConfig("akka.cluster.singleton"));
        Assert.Equal(0, settings.TuningParameters.CoordinatorStateReadMajorityPlus);
        Assert.Equal(0, settings.TuningParameters.CoordinatorStateWriteMajorityPlus);
        Assert.Equal(1, config.GetInt("akka.cluster.sharding.distributed-data.majority-min-cap"));
    }
}
