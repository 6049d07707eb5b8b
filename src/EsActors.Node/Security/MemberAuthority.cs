using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using EsActors.Node.Protocol;

namespace EsActors.Node.Security;

/// <summary>
/// Who may talk to this node's run actors (the run host, the optimizer, the replica, the evaluators): a sender on this
/// node, or a member of the cluster that — when a cluster secret is configured — proved it to this node's
/// <see cref="MembershipGuard"/>. Without a secret (and without TLS) every member is admitted: such a cluster is open
/// to anyone who can reach a node's port and join. A process that only connects and sends is never a member.
/// Read from any thread (the <see cref="MemberCheckedMailbox"/> asks on the sender's thread); the guard writes.
/// </summary>
public sealed class MemberAuthority : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly ConcurrentDictionary<Address, byte> _verified = new();
    /// <summary>Members that said (in a valid proof) that they verified this node.</summary>
    private readonly ConcurrentDictionary<Address, byte> _verifiedBy = new();
    private readonly ConcurrentDictionary<(Address, string), int> _refusals = new();
    private readonly ILoggingAdapter _log;
    private Address? _self;

    public MemberAuthority(ExtendedActorSystem system)
    {
        _system = system;
        Secret = ClusterSecret.From(system.Settings.Config);
        _log = Akka.Event.Logging.GetLogger(system, "membership");
    }

    /// <summary>The cluster secret, or null in an open cluster (no proof asked for).</summary>
    public ClusterSecret? Secret { get; }
    public bool RequiresProof => Secret is not null;

    public static MemberAuthority Get(ActorSystem system) => system.WithExtension<MemberAuthority, MemberAuthorityProvider>();

    private Address Self => _self ??= Cluster.Get(_system).SelfAddress;

    /// <summary>The guard saw this member prove the secret.</summary>
    public void Verified(Address member) => _verified[member] = 0;

    /// <summary>The member said, in a proof this node verified, that it has verified this node too.</summary>
    public void VerifiedBy(Address member) => _verifiedBy[member] = 0;

    /// <summary>The member left, was removed or refused: it is no longer admitted.</summary>
    public void Forget(Address member)
    {
        _verified.TryRemove(member, out _);
        _verifiedBy.TryRemove(member, out _);
    }

    /// <summary>Whether this node may give the member work and state (slots, θ): itself, or an admitted member.</summary>
    public bool Admits(Address member) => member.HasLocalScope || member.Equals(Self) || (RequiresProof ? _verified.ContainsKey(member) : IsMember(member));

    /// <summary>
    /// Whether this node may send the member work (slots, θ): it is admitted here, and — with a secret — it has verified
    /// this node as well, so that its own run actors take what this node sends instead of dropping it.
    /// </summary>
    public bool AdmitsBothWays(Address member) => Admits(member) && (!RequiresProof || member.HasLocalScope || member.Equals(Self) || _verifiedBy.ContainsKey(member));

    /// <summary>Null when the message may be delivered, else why not (for the log line).</summary>
    public string? Refusal(IActorRef? sender, object message)
    {
        if (sender is null || sender.IsNobody() || sender is DeadLetterActorRef)
            // A remote message without a sender arrives like a local one: run messages and kills must name their sender.
            return message is IEsMessage or IPossiblyHarmful ? "it names no sender" : null;
        // Akka's death watch delivers Terminated with the dead actor as sender, whose node may already be removed.
        if (message is Terminated) return null;
        var address = sender.Path.Address;
        if (Admits(address)) return null;
        return RequiresProof
            ? IsMember(address) ? "the member has not proven the cluster secret" : "it is not a member of the cluster"
            : "it is not a member of the cluster";
    }

    /// <summary>Logs a refused message: the first time for each sender and message type, then every 1000th.</summary>
    public void LogRefused(IActorRef receiver, IActorRef? sender, object message, string why)
    {
        var from = sender is null || sender.IsNobody() ? "no sender" : sender.Path.Address.ToString();
        var count = _refusals.AddOrUpdate((sender?.Path.Address ?? Address.AllSystems, message.GetType().Name), 1, (_, n) => n + 1);
        if (count == 1 || count % 1000 == 0)
            _log.Warning("Refused {Message} from {Sender} to {Receiver}: {Why} ({Count} so far)", message.GetType().Name, from, receiver.Path.ToStringWithoutAddress(), why, count);
    }

    private bool IsMember(Address address)
    {
        foreach (var m in Cluster.Get(_system).State.Members)
            if (m.Address.Equals(address)) return m.Status is not (MemberStatus.Down or MemberStatus.Removed);
        return false;
    }
}

public sealed class MemberAuthorityProvider : ExtensionIdProvider<MemberAuthority>
{
    public override MemberAuthority CreateExtension(ExtendedActorSystem system) => new(system);
}
