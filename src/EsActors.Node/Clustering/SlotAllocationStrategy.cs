using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;

namespace EsActors.Node.Clustering;

/// <summary>
/// Evaluator entity ids name the node they are meant for ("host:port:uid:slot", see <see cref="EvaluatorIds"/>).
/// This strategy puts each shard (one entity each) on that node's region, so every node runs exactly as many
/// evaluators as it has slots and work spreads in proportion to slots. If the node is gone, any region will do:
/// the optimizer stops using ids of removed nodes anyway. Shards are never rebalanced.
/// </summary>
public sealed class SlotAllocationStrategy(ActorSystem system) : IShardAllocationStrategy
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(3);
    private readonly Cluster _cluster = Cluster.Get(system);

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var target = EvaluatorIds.HostPort(shardId);
        foreach (var region in currentShardAllocations.Keys)
            if (HostPort(region.Path.Address) == target) return Task.FromResult(region);
        var member = _cluster.State.Members.FirstOrDefault(m => HostPort(m.Address) == target && m.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up);
        if (member is null) return Task.FromResult(Fallback(requester, currentShardAllocations));
        // The node is a member but its region has not registered with the coordinator yet (it joined a moment
        // ago, and the optimizer addresses its slots as soon as it is Up). Allocating elsewhere would pin its slot
        // to another node for good: answer with the node's own region. Should the coordinator not know it yet, it
        // ignores the answer and the requesting region asks again after akka.cluster.sharding.retry-interval.
        return ResolveRegion(member.Address, requester, currentShardAllocations);
    }

    private async Task<IActorRef> ResolveRegion(Address node, IActorRef requester, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var path = new RootActorPath(node) / "system" / "sharding" / EvaluatorIds.TypeName;
        try { return await system.ActorSelection(path).ResolveOne(ResolveTimeout).ConfigureAwait(false); }
        catch (ActorNotFoundException) { return Fallback(requester, currentShardAllocations); }
        catch (TimeoutException) { return Fallback(requester, currentShardAllocations); }
    }

    private static IActorRef Fallback(IActorRef requester, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations) =>
        currentShardAllocations.Count > 0 ? currentShardAllocations.OrderBy(kv => kv.Value.Count).First().Key : requester;

    private string HostPort(Address address)
    {
        var a = address.HasLocalScope ? _cluster.SelfAddress : address;
        return $"{a.Host}:{a.Port}";
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress) =>
        Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);
}
