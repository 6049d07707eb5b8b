using Akka.Actor;
using EsActors.Node.Protocol;

namespace EsActors.Node.Evaluation;

/// <summary>
/// The node's replicas, one <see cref="ParameterReplica"/> child per run (at <c>/user/replica</c>, where the optimizers
/// push): what names a run (an evaluator's request, a push, a reset) goes to that run's replica, so two runs sharing the
/// cluster keep their θ side by side. A replica's own requests to an optimizer are answered to it directly. The replicas
/// of at most <see cref="MaxRuns"/> runs are kept; the one used least recently goes first.
/// </summary>
public sealed class ReplicaDirectory : ReceiveActor
{
    public const int MaxRuns = 8;

    private readonly int _replayWindow;
    private readonly ReplicaView _view;
    private readonly Dictionary<string, (IActorRef Replica, long LastUse)> _replicas = new(StringComparer.Ordinal);
    private long _uses;
    private string? _latest;

    public ReplicaDirectory(int replayWindow, ReplicaView view)
    {
        (_replayWindow, _view) = (replayWindow, view);
        Receive<ParameterReplica.AcquireState>(m => ReplicaOf(m.RunId, create: true)!.Forward(m));
        Receive<GenerationApplied>(m => ReplicaOf(m.RunId, create: false)?.Forward(m));
        Receive<StateReply>(m => ReplicaOf(m.RunId, create: false)?.Forward(m));
        Receive<GenerationsReply>(m => ReplicaOf(m.RunId, create: false)?.Forward(m));
        // Tests and status: the replica of the run used last.
        Receive<ParameterReplica.GetReplicaStats>(m =>
        {
            if (_latest is not null && ReplicaOf(_latest, create: false) is { } replica) replica.Forward(m);
            else Sender.Tell(new ParameterReplica.ReplicaStats(-1, 0, 0));
        });
    }

    public static Props Props(int replayWindow, ReplicaView view) => Akka.Actor.Props.Create(() => new ReplicaDirectory(replayWindow, view));

    private IActorRef? ReplicaOf(string runId, bool create)
    {
        if (_replicas.TryGetValue(runId, out var known))
        {
            _replicas[runId] = (known.Replica, ++_uses);
            _latest = runId;
            return known.Replica;
        }
        if (!create) return null;
        if (_replicas.Count >= MaxRuns)
        {
            var (oldest, entry) = _replicas.MinBy(kv => kv.Value.LastUse);
            Context.Stop(entry.Replica);
            _replicas.Remove(oldest);
        }
        var replica = Context.ActorOf(ParameterReplica.Props(_replayWindow, _view), $"run-{Uri.EscapeDataString(runId)}-{++_uses}");
        _replicas[runId] = (replica, _uses);
        _latest = runId;
        return replica;
    }
}
