using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using EsActors.Domain.Es;
using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Environments.Rollouts;
using EsActors.Node.Protocol;
using EsActors.Domain.Scheduling;

namespace EsActors.Node.Evaluation;

/// <summary>
/// A sharded evaluator entity: one per slot of a node. It takes a seed batch, obtains θ of the batch's
/// generation from the node's <see cref="ParameterReplica"/>, runs the episodes (blocking, on the dedicated
/// evaluator dispatcher) and answers with scalars only.
/// </summary>
public sealed class EvaluatorActor : ReceiveActor, IWithStash
{
    private readonly IActorRef _replica;
    private readonly ReplicaView? _view;
    private readonly string _nodeAddress;
    private readonly BatchEvaluator _evaluator = new();
    private SeedBatch? _batch;
    private IActorRef _optimizer = ActorRefs.Nobody;

    public EvaluatorActor(IActorRef replica, string nodeAddress, ReplicaView? view = null)
    {
        _replica = replica;
        _view = view;
        _nodeAddress = nodeAddress;
        Become(Idle);
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(IActorRef replica, string nodeAddress, ReplicaView? view = null) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(replica, nodeAddress, view));

    private void Idle()
    {
        Receive<SeedBatch>(batch =>
        {
            _batch = batch;
            _optimizer = Sender;
            if (_view?.StateFor(batch.RunId, batch.Generation, batch.StateChecksum) is { } state)
            {
                Evaluate(state);
                _batch = null;
                return;
            }
            _replica.Tell(new ParameterReplica.AcquireState(batch.RunId, batch.Generation, batch.StateChecksum, Sender));
            Become(WaitingForState);
        });
    }

    private void Evaluate(RunState state)
    {
        var batch = _batch!;
        try { _optimizer.Tell(_evaluator.Evaluate(batch, state, _nodeAddress)); }
        catch (Exception e)
        {
            // Answer rather than fall silent, so the slot is freed and the batch goes elsewhere at once.
            _optimizer.Tell(new BatchRejected(batch.EvaluatorId, batch.RunId, batch.Generation, batch.BatchId, $"evaluation failed: {e.Message}"));
            Context.GetLogger().Error(e, "Evaluating batch {BatchId} of generation {Generation} failed", batch.BatchId, batch.Generation);
        }
    }

    private void WaitingForState()
    {
        Receive<ParameterReplica.StateReady>(ready =>
        {
            Evaluate(ready.State);
            Finish();
        });
        Receive<ParameterReplica.StateStale>(stale =>
        {
            var batch = _batch!;
            _optimizer.Tell(new BatchRejected(batch.EvaluatorId, batch.RunId, batch.Generation, batch.BatchId, $"stale: node is at generation {stale.ReplicaGeneration}"));
            Finish();
        });
        Receive<SeedBatch>(_ => Stash.Stash());
    }

    private void Finish()
    {
        _batch = null;
        Become(Idle);
        Stash.UnstashAll();
    }

    protected override void PostStop() => _evaluator.Dispose();
}
