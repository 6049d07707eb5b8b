using System.IO.Hashing;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using EsActors.Environments;

namespace EsActors.Node.Clustering;

/// <summary>
/// What a node must share with the cluster to take part in a run: the wire protocol version and the
/// environment registry (ids, observation and action spaces). Each node advertises both as cluster roles;
/// a node that differs is refused on both sides — the optimizer gives it no work, the node itself leaves.
/// </summary>
public static class Compatibility
{
    /// <summary>Version of <see cref="Serialization.EsSerializer"/>'s message formats; bump on any incompatible change.</summary>
    public const int ProtocolVersion = 10; // 4: GenerationProgress carries GenerationFigures; 5: membership challenge and proof, several runs (run host events, run-routed queries); 6: definitions carry a learning-rate schedule (codec format 4); 7: definitions carry keep-best-policy and states the best policy (codec format 5); 8: a membership proof says whether its sender verified the challenger, definitions carry the box action head (codec format 6); 9: the cma-es strategy: states carry its distribution (codec format 7), its work items are two independent candidates; 10: definitions carry policy-averaging and states the averaged θ (codec format 8)
    public const string ProtocolRolePrefix = "protocol-";
    public const string RegistryRolePrefix = "registry-";

    public static int ConfiguredProtocol(Config config) => config.GetInt("esactors.compatibility.protocol-version", ProtocolVersion);

    /// <summary>A short digest of every registered environment's id, spaces and limits.</summary>
    public static string RegistryFingerprint()
    {
        var text = new StringBuilder();
        foreach (var id in EnvironmentRegistry.Ids.Order(StringComparer.Ordinal))
        {
            var s = EnvironmentRegistry.GetSpec(id);
            text.Append(id).Append('|').Append(s.ObservationSize).Append('|').Append(s.Action.IsDiscrete).Append('|').Append(s.Action.Count)
                .Append('|').Append(s.Action.Size).Append('|').Append(string.Join(",", s.Action.Low)).Append('|').Append(string.Join(",", s.Action.High))
                .Append('|').Append(s.MaxEpisodeSteps).Append(';');
        }
        return XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(text.ToString())).ToString("x8");
    }

    public static IEnumerable<string> Roles(int protocol) => [ProtocolRolePrefix + protocol, RegistryRolePrefix + RegistryFingerprint()];

    /// <summary>Null when compatible, else one line saying what differs.</summary>
    public static string? Mismatch(IEnumerable<string> ours, IEnumerable<string> theirs)
    {
        string Find(IEnumerable<string> roles, string prefix) => roles.FirstOrDefault(r => r.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..] ?? "none";
        var problems = new List<string>();
        foreach (var (prefix, what) in new[] { (ProtocolRolePrefix, "protocol version"), (RegistryRolePrefix, "environment registry") })
        {
            var (a, b) = (Find(ours, prefix), Find(theirs, prefix));
            if (a != b) problems.Add($"{what} {b} (expected {a})");
        }
        return problems.Count == 0 ? null : string.Join(", ", problems);
    }
}

/// <summary>
/// Watches members that were in the cluster before this node; if one of them is incompatible with this node,
/// this node is the odd one out: it reports the reason and leaves, and the cluster goes on without it.
/// </summary>
public sealed class CompatibilityGuard : ReceiveActor
{
    public CompatibilityGuard(TaskCompletionSource<string> refused)
    {
        var cluster = Cluster.Get(Context.System);
        var log = Context.GetLogger();
        var ours = cluster.SelfMember.Roles;
        var reported = new HashSet<UniqueAddress>();
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            var self = cluster.SelfMember;
            if (e.Member.UniqueAddress.Equals(self.UniqueAddress) || e is not (ClusterEvent.MemberJoined or ClusterEvent.MemberUp)) return;
            if (Compatibility.Mismatch(ours, e.Member.Roles) is not { } mismatch) return;
            if (!e.Member.IsOlderThan(self) || e.Member.Status == MemberStatus.Joining)
            {
                // The newcomer is the odd one out: say so here too; it leaves by itself.
                if (reported.Add(e.Member.UniqueAddress)) log.Error("Refusing node {Node}: it has {Mismatch}", e.Member.Address, mismatch);
                return;
            }
            var reason = $"this node is incompatible with the cluster: member {e.Member.Address} has {mismatch}";
            log.Error("Leaving the cluster: {Reason}", reason);
            refused.TrySetResult(reason);
            cluster.Leave(cluster.SelfAddress);
        });
        ReceiveAny(_ => { });
    }

    protected override void PreStart() => Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

    public static Props Props(TaskCompletionSource<string> refused) => Akka.Actor.Props.Create(() => new CompatibilityGuard(refused));
}
