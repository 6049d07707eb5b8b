using Akka.Cluster;
using Akka.Cluster.Sharding;
using EsActors.Node.Protocol;

namespace EsActors.Node.Clustering;

/// <summary>Builds and parses evaluator entity ids.</summary>
public static class EvaluatorIds
{
    /// <summary>The sharded entity type of the evaluator slots.</summary>
    public const string TypeName = "evaluator";

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
        IWithEvaluatorId m => m.EvaluatorId,
        _ => null,
    };

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => message switch
    {
        IWithEvaluatorId m => m.EvaluatorId,
        _ => null,
    };

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}
