using System.Security.Cryptography;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using EsActors.Node.Protocol;

namespace EsActors.Node.Security;

/// <summary>
/// Enforces the cluster secret on membership, on every node (Akka has no join secret, so this runs as soon as a member
/// is seen, before the optimizer gives it anything). Each node challenges every other member with a fresh nonce and
/// admits it (<see cref="MemberAuthority.Verified"/>) only on a valid HMAC proof; until then it gets no slots, no
/// state and its messages to the run actors are dropped. A proof also says whether its sender has verified the
/// challenger in turn; until one says so, the challenger keeps challenging (every 0.5 s) and gives the member no work,
/// since the member's run actors would drop it. <see cref="MemberVerified"/> is published once both sides verified.
/// A wrong proof, or none within <c>esactors.security.proof-timeout</c>, refuses the member: the older side logs and downs the newcomer; a newcomer
/// that finds the older members' proofs wrong (or is asked for a proof without having a secret) is the odd one out:
/// it logs why, reports it through the node's refusal (one <c>error:</c> line, exit code 3) and leaves.
/// Without a secret the guard only answers challenges (with an empty proof) and detects that it lacks one.
/// </summary>
public sealed class MembershipGuard : ReceiveActor, IWithTimers
{
    /// <summary>
    /// Why this node would count as refused were the cluster to remove it now, kept current by the guard (null: it would
    /// simply be downed). The command that sees the removal reads it at once, without waiting on the guard's mailbox.
    /// </summary>
    public sealed class RemovalVerdict
    {
        private volatile string? _refusal;
        public string? Refusal { get => _refusal; internal set => _refusal = value; }
    }

    public const string Name = "membership-guard";

    /// <summary>
    /// Published on the local event stream when a member proved the secret and said it verified this node (the optimizer
    /// then gives it slots).
    /// </summary>
    public sealed record MemberVerified(UniqueAddress Member);

    /// <summary>A member challenged and not yet mutually verified; <see cref="Proven"/>: its proof was valid already.</summary>
    private sealed record Pending(Member Member, byte[] Nonce, DateTime Deadline, bool Proven = false);
    private sealed record Tick;
    private sealed record SelfRemoved;
    private const string TickTimer = nameof(TickTimer);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly MemberAuthority _authority = MemberAuthority.Get(Context.System);
    private readonly TaskCompletionSource<string> _refused;
    private readonly RemovalVerdict _verdict;
    private readonly TimeSpan _timeout;
    private readonly Dictionary<Address, Pending> _pending = new();
    private readonly HashSet<Address> _refusedMembers = new();
    /// <summary>Members that challenged this node while it has no secret (judged once they are known as members).</summary>
    private readonly HashSet<Address> _askedForSecret = new();
    /// <summary>Who challenged this node, and whether it verified anyone: to tell why, if it is downed.</summary>
    private readonly HashSet<Address> _challengers = new();
    private bool _verifiedAny;

    public MembershipGuard(TaskCompletionSource<string> refused, RemovalVerdict verdict)
    {
        (_refused, _verdict) = (refused, verdict);
        _timeout = Context.System.Settings.Config.GetTimeSpan($"{ClusterSecret.Section}.proof-timeout", TimeSpan.FromSeconds(10), allowInfinite: false);
        Receive<ClusterEvent.IMemberEvent>(OnMemberEvent);
        Receive<MembershipChallenge>(OnChallenge);
        Receive<MembershipProof>(OnProof);
        Receive<Tick>(_ => OnTick());
        Receive<SelfRemoved>(_ => OnSelfDowned());
        ReceiveAny(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(TaskCompletionSource<string> refused, RemovalVerdict? verdict = null)
    {
        var v = verdict ?? new RemovalVerdict();
        return Akka.Actor.Props.Create(() => new MembershipGuard(refused, v));
    }

    /// <summary>The line a refused node prints after <c>error: </c>.</summary>
    public static string Refusal(string reason) => $"this node was refused by the cluster: {reason}";

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        // A node downed while still joining shuts its cluster down without publishing its own MemberDowned/MemberRemoved:
        // this callback runs then too, so the reason is told either way.
        var self = Self;
        _cluster.RegisterOnMemberRemoved(() => self.Tell(new SelfRemoved()));
        if (_authority.RequiresProof) Timers.StartPeriodicTimer(TickTimer, new Tick(), TimeSpan.FromMilliseconds(500));
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnMemberEvent(ClusterEvent.IMemberEvent e)
    {
        var member = e.Member;
        if (member.Address.Equals(_cluster.SelfAddress))
        {
            if (e is ClusterEvent.MemberDowned or ClusterEvent.MemberRemoved) OnSelfDowned();
            return;
        }
        switch (e)
        {
            case ClusterEvent.MemberRemoved or ClusterEvent.MemberDowned or ClusterEvent.MemberLeft or ClusterEvent.MemberExited:
                _pending.Remove(member.Address);
                _authority.Forget(member.Address);
                return;
            case ClusterEvent.MemberJoined or ClusterEvent.MemberWeaklyUp or ClusterEvent.MemberUp:
                CheckAskedForSecret(member.Address, member); // the event's member: Cluster.State may not show it yet
                if (!_authority.RequiresProof || _authority.Admits(member.Address) || _refusedMembers.Contains(member.Address)) return;
                if (_pending.TryGetValue(member.Address, out var known)) { _pending[member.Address] = known with { Member = member }; return; }
                var pending = new Pending(member, RandomNumberGenerator.GetBytes(32), DateTime.UtcNow + _timeout);
                _pending[member.Address] = pending;
                Challenge(pending);
                return;
        }
    }

    private void Challenge(Pending pending) =>
        Context.ActorSelection(new RootActorPath(pending.Member.Address) / "user" / Name).Tell(new MembershipChallenge(pending.Nonce), Self);

    private void OnChallenge(MembershipChallenge challenge)
    {
        var challenger = Sender.Path.Address;
        _challengers.Add(challenger);
        UpdateVerdict();
        if (_authority.Secret is { } secret)
        {
            Sender.Tell(new MembershipProof(challenge.Nonce, secret.Proof(challenger, _cluster.SelfAddress, challenge.Nonce), _authority.Admits(challenger)), Self);
            return;
        }
        Sender.Tell(new MembershipProof(challenge.Nonce, [], VerifiedYou: false), Self);
        // Asked for a proof without a secret: if the asker was in the cluster before this node, this node is the odd one out.
        _askedForSecret.Add(challenger);
        CheckAskedForSecret(challenger);
    }

    /// <summary>
    /// This node was downed: if members challenged it and it could verify none of them (its secret differs, or it has
    /// none), the refusal is the reason — said here, because the older side may down it before this node sees a proof.
    /// </summary>
    private void OnSelfDowned()
    {
        if (ReasonIfDowned() is { } reason) RefuseSelf(reason);
    }

    /// <summary>Keeps <see cref="RemovalVerdict"/> equal to what <see cref="OnSelfDowned"/> would say now.</summary>
    private void UpdateVerdict() => _verdict.Refusal = ReasonIfDowned() is { } reason ? Refusal(reason) : null;

    private string? ReasonIfDowned()
    {
        if (_challengers.Count == 0 || _verifiedAny) return null;
        var by = string.Join(", ", _challengers.Select(a => a.ToString()).Order(StringComparer.Ordinal));
        return _authority.RequiresProof
            ? $"member {by} downed this node after asking it for the cluster secret, and none of them proved this node's secret: the secrets differ"
            : $"member {by} asks for the cluster secret and this node has none (set {ClusterSecret.Section}.secret, secret-file or {ClusterSecret.Variable})";
    }

    private void CheckAskedForSecret(Address asker, Member? known = null)
    {
        if (_askedForSecret.Contains(asker) && (known ?? FindMember(asker)) is { } member && IsOlderThanSelf(member))
            RefuseSelf($"member {asker} asks for the cluster secret and this node has none (set {ClusterSecret.Section}.secret, secret-file or {ClusterSecret.Variable})");
    }

    private void OnProof(MembershipProof proof)
    {
        var prover = Sender.Path.Address;
        if (!_pending.TryGetValue(prover, out var pending) || !pending.Nonce.AsSpan().SequenceEqual(proof.Nonce)) return; // not asked for: ignored
        if (!_authority.Secret!.Verifies(_cluster.SelfAddress, prover, pending.Nonce, proof.Mac))
        {
            _pending.Remove(prover);
            Refuse(pending.Member, proof.Mac.Length == 0 ? "it has no cluster secret" : "its proof does not match this node's cluster secret");
            return;
        }
        if (!pending.Proven)
        {
            _authority.Verified(prover);
            _verifiedAny = true;
            UpdateVerdict();
            _log.Info("Member {Member} proved the cluster secret", prover);
        }
        if (!proof.VerifiedYou)
        {
            // Its run actors would still drop this node's messages: challenge again (OnTick) until it says it verified us.
            _pending[prover] = pending with { Proven = true };
            return;
        }
        _pending.Remove(prover);
        _authority.VerifiedBy(prover);
        Context.System.EventStream.Publish(new MemberVerified(pending.Member.UniqueAddress));
    }

    private void OnTick()
    {
        var now = DateTime.UtcNow;
        foreach (var pending in _pending.Values.ToList())
        {
            // Not dropped when Cluster.State does not list the member (yet): it may lag the event that added it, and a
            // dropped challenge would leave the member neither admitted nor refused. Removal events drop it (above).
            // A member that proved the secret is challenged until it says it verified this node: if it never does, its
            // own guard refuses one of the two within its proof timeout, and the removal ends this.
            if (pending.Proven || now < pending.Deadline) { Challenge(pending); continue; } // remoting may drop the first one while it associates
            _pending.Remove(pending.Member.Address);
            Refuse(pending.Member, $"it did not prove the cluster secret within {_timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>The newcomer is refused (logged and downed here); if the member was here first, this node is the one refused.</summary>
    private void Refuse(Member member, string why)
    {
        var current = FindMember(member.Address) ?? member;
        if (IsOlderThanSelf(current))
        {
            RefuseSelf($"member {member.Address}, in the cluster before this node, does not share its cluster secret ({why})");
            return;
        }
        _refusedMembers.Add(member.Address);
        _authority.Forget(member.Address);
        _log.Error("Refused member {Member}: {Why}; it gets no work or state and is downed", member.Address, why);
        _cluster.Down(member.Address);
    }

    private void RefuseSelf(string reason)
    {
        if (!_refused.TrySetResult(Refusal(reason))) return;
        _log.Error("Leaving the cluster: {Reason}", reason);
        _cluster.Leave(_cluster.SelfAddress);
    }

    /// <summary>Whether the member was in the cluster before this node (it is Up and this node is not yet, or it came Up first).</summary>
    private bool IsOlderThanSelf(Member member)
    {
        if (member.Status is not (MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting)) return false;
        var self = _cluster.SelfMember;
        return self.Status is MemberStatus.Joining or MemberStatus.WeaklyUp || member.IsOlderThan(self);
    }

    private Member? FindMember(Address address) => _cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address) && m.Status != MemberStatus.Removed);
}
