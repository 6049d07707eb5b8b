using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;

namespace EsActors.Node.Hosting;

/// <summary>
/// Evaluator entity ids name the node they are meant for ("host:port:uid:slot", see <see cref="EvaluatorIds"/>).
/// This strategy puts each shard (one entity each) on that node's region, so every node runs exactly as many
/// evaluators as it has slots and work spreads in proportion to slots. If the node is gone, any region will do:
/// the optimizer stops using ids of removed nodes anyway. Shards are never rebalanced.
/// </summary>
public sealed class SlotAllocationStrategy(ActorSystem system) : IShardAllocationStrategy
{
    private readonly Address _selfAddress = Cluster.Get(system).SelfAddress;

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var target = EvaluatorIds.HostPort(shardId);
        foreach (var region in currentShardAllocations.Keys)
        {
            var address = region.Path.Address.HasLocalScope ? _selfAddress : region.Path.Address;
            if (target == $"{address.Host}:{address.Port}") return Task.FromResult(region);
        }
        var fallback = currentShardAllocations.Count > 0
            ? currentShardAllocations.OrderBy(kv => kv.Value.Count).First().Key
            : requester;
        return Task.FromResult(fallback);
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress) =>
        Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);
}

/// <summary>Builds and parses evaluator entity ids.</summary>
public static class EvaluatorIds
{
    public static string For(UniqueAddress node, int slot) => $"{node.Address.Host}:{node.Address.Port}:{node.Uid}:{slot}";

    public static string HostPort(string evaluatorId)
    {
        var parts = evaluatorId.Split(':');
        return parts.Length >= 4 ? $"{parts[0]}:{parts[1]}" : evaluatorId;
    }

    /// <summary>"host:port:uid" of the node incarnation the id belongs to.</summary>
    public static string Node(string evaluatorId) => evaluatorId[..evaluatorId.LastIndexOf(':')];

    public static string Node(UniqueAddress node) => $"{node.Address.Host}:{node.Address.Port}:{node.Uid}";
}

/// <summary>Routes evaluator messages: one shard per entity, keyed by the entity id itself.</summary>
public sealed class EvaluatorMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message switch
    {
        Protocol.IWithEvaluatorId m => m.EvaluatorId,
        _ => null,
    };

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => message switch
    {
        Protocol.IWithEvaluatorId m => m.EvaluatorId,
        _ => null,
    };

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}
