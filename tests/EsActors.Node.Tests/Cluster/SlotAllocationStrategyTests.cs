using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;
using EsActors.Node.Clustering;
using EsActors.Node.Configuration;
using AkkaCluster = Akka.Cluster.Cluster;

namespace EsActors.Node.Tests.Cluster;

/// <summary>
/// Placement of evaluator slots on a real two-node cluster (two actor systems on loopback): a slot goes to the
/// region of the node its id names, also in the moment after that node joined and before its region registered
/// with the shard coordinator (when the optimizer already addresses its slots). Before this was handled the slot
/// landed, for good, on another node and shared that node's cores.
/// </summary>
public sealed class SlotAllocationStrategyTests : ClusterTestKit
{
    private readonly ActorSystem _second;

    public SlotAllocationStrategyTests(ITestOutputHelper output) : base(output, slots: 1)
    {
        var seed = AkkaCluster.Get(Sys).SelfAddress;
        _second = ActorSystem.Create(NodeOptions.SystemName, NodeConfig.Build(new NodeOptions("127.0.0.1", 0, [$"{seed.Host}:{seed.Port}"], 1,
            JournalTarget.Parse(Temp.File("second.db")), "CartPole-v1", null, ExtraHocon: DefaultOverrides)));
        ClusterSharding.Get(_second).Start(EvaluatorIds.TypeName, Props.Empty, ClusterShardingSettings.Create(_second),
            new EvaluatorMessageExtractor(), new SlotAllocationStrategy(_second), PoisonPill.Instance);
        var second = AkkaCluster.Get(_second);
        AwaitCondition(() => second.SelfMember.Status == MemberStatus.Up, Long, TimeSpan.FromMilliseconds(50));
    }

    private UniqueAddress SecondNode => AkkaCluster.Get(_second).SelfUniqueAddress;

    [Fact]
    public async Task A_slot_of_a_node_whose_region_is_not_registered_yet_goes_to_that_node()
    {
        var firstRegion = CreateTestProbe().Ref;
        var allocations = ImmutableDictionary<IActorRef, IImmutableList<string>>.Empty.Add(firstRegion, ImmutableList<string>.Empty);

        var region = await new SlotAllocationStrategy(Sys).AllocateShard(firstRegion, EvaluatorIds.For(SecondNode, 0), allocations).WaitAsync(Long);

        Assert.Equal(SecondNode.Address, region.Path.Address);
        Assert.Equal($"/system/sharding/{EvaluatorIds.TypeName}", region.Path.ToStringWithoutAddress());
    }

    [Fact]
    public async Task A_registered_region_of_the_named_node_is_chosen_among_others()
    {
        var firstRegion = CreateTestProbe().Ref;
        var secondRegion = await _second.ActorSelection($"/system/sharding/{EvaluatorIds.TypeName}").ResolveOne(Long);
        var remoteSecond = await Sys.ActorSelection(new RootActorPath(SecondNode.Address) / "system" / "sharding" / EvaluatorIds.TypeName).ResolveOne(Long);
        Assert.Equal(secondRegion.Path.ToStringWithoutAddress(), remoteSecond.Path.ToStringWithoutAddress());
        var allocations = ImmutableDictionary<IActorRef, IImmutableList<string>>.Empty
            .Add(firstRegion, ImmutableList.Create("a", "b"))
            .Add(remoteSecond, ImmutableList.Create("c", "d", "e"));
        var strategy = new SlotAllocationStrategy(Sys);

        Assert.Same(remoteSecond, await strategy.AllocateShard(firstRegion, EvaluatorIds.For(SecondNode, 3), allocations));
        Assert.Same(firstRegion, await strategy.AllocateShard(remoteSecond, EvaluatorIds.For(AkkaCluster.Get(Sys).SelfUniqueAddress, 0), allocations));
    }

    [Fact]
    public async Task A_slot_of_a_node_that_is_not_a_member_goes_to_the_least_loaded_region()
    {
        var busy = CreateTestProbe().Ref;
        var idle = CreateTestProbe().Ref;
        var allocations = ImmutableDictionary<IActorRef, IImmutableList<string>>.Empty
            .Add(busy, ImmutableList.Create("a", "b")).Add(idle, ImmutableList.Create("c"));
        var gone = new UniqueAddress(new Address("akka.tcp", NodeOptions.SystemName, "127.0.0.1", 1), 42);

        Assert.Same(idle, await new SlotAllocationStrategy(Sys).AllocateShard(busy, EvaluatorIds.For(gone, 0), allocations).WaitAsync(Long));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Akka.Cluster.Cluster.Get(_second).Leave(Akka.Cluster.Cluster.Get(_second).SelfAddress);
            _second.Terminate().Wait(Long);
        }
        base.Dispose(disposing);
    }
}
