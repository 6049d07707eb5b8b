using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace EsActors.Node.Clustering;

/// <summary>One structured log line per membership or reachability change, on every node.</summary>
public sealed class MembershipLogger : ReceiveActor
{
    public MembershipLogger()
    {
        var log = Context.GetLogger();
        Receive<ClusterEvent.MemberUp>(e => log.Info("Member up {Member} roles {Roles}", e.Member.Address, string.Join(",", e.Member.Roles)));
        Receive<ClusterEvent.MemberLeft>(e => log.Info("Member leaving {Member}", e.Member.Address));
        Receive<ClusterEvent.MemberExited>(e => log.Info("Member exited {Member}", e.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(e => log.Info("Member removed {Member} (was {PreviousStatus})", e.Member.Address, e.PreviousStatus));
        Receive<ClusterEvent.UnreachableMember>(e => log.Warning("Member unreachable {Member}", e.Member.Address));
        Receive<ClusterEvent.ReachableMember>(e => log.Info("Member reachable again {Member}", e.Member.Address));
        ReceiveAny(_ => { });
    }

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    public static Props Props() => Akka.Actor.Props.Create<MembershipLogger>();
}
