using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using EsActors.Domain.Noise;
using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Environments.Rollouts;
using EsActors.Node.Protocol;

namespace EsActors.Node.Actors;

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

/// <summary>
/// The evaluation work of a seed batch, outside the actor: caches the episode runner per run and the
/// observation normaliser per generation, so consecutive batches allocate almost nothing.
/// </summary>
public sealed class BatchEvaluator : IDisposable
{
    private EpisodeRunner? _runner;
    private RunDefinition? _runnerFor;
    private ObservationNormalizer? _normalizer;
    private ObservationStatistics? _normalizerFor;
    private ObservationAccumulator? _accumulator;

    public BatchResult Evaluate(SeedBatch batch, RunState state, string nodeAddress)
    {
        var started = Stopwatch.GetTimestamp();
        var run = state.RequireDefinition();
        if (!ReferenceEquals(run, _runnerFor))
        {
            _runner?.Dispose();
            _runner = new EpisodeRunner(EnvironmentRegistry.Create(run.EnvironmentId), run.Network, run.ActionBins);
            _runnerFor = run;
            _accumulator = new ObservationAccumulator(run.Network.Inputs);
            _normalizer = null;
        }
        if (!ReferenceEquals(state.ObservationStatistics, _normalizerFor))
        {
            _normalizer = run.ObservationNormalization
                ? ObservationNormalizer.From(state.ObservationStatistics)
                : ObservationNormalizer.Identity(run.Network.Inputs);
            _normalizerFor = state.ObservationStatistics;
        }
        var runner = _runner!;
        var noise = RunLogic.NoiseFor(run);
        var dimension = state.Theta.Length;
        var envLimit = runner.Spec.MaxEpisodeSteps;
        var results = new ItemResult[batch.Items.Length];
        for (var k = 0; k < batch.Items.Length; k++)
        {
            var item = batch.Items[k];
            if (item.IsEvaluation)
            {
                var outcome = runner.Run(state.Theta, ReadOnlySpan<float>.Empty, 0f, _normalizer!, item.EpisodeSeed, envLimit);
                results[k] = new ItemResult(item.Index, true, outcome.Return, 0, outcome.Length, 0, null);
                continue;
            }
            if (!noise.IsValidIndex(item.NoiseIndex, dimension)) throw new InvalidOperationException($"noise index {item.NoiseIndex} is outside the table");
            var epsilon = noise.Slice(item.NoiseIndex, dimension);
            // A split pair's half never samples statistics (GenerationWork keeps those pairs whole).
            if (item.Half != PairHalf.Both && item.CollectStatistics) throw new InvalidOperationException($"pair {item.Index} collects observation statistics and cannot be split");
            var stats = item.CollectStatistics ? _accumulator : null;
            stats?.Clear();
            var cap = Math.Min(batch.EpisodeCap, envLimit);
            var positive = item.Half == PairHalf.Negative ? default
                : runner.Run(state.Theta, epsilon, run.Sigma, _normalizer!, item.EpisodeSeed, cap, run.ActionNoiseStd, stats);
            var negative = item.Half == PairHalf.Positive ? default
                : runner.Run(state.Theta, epsilon, -run.Sigma, _normalizer!, item.EpisodeSeed, cap, run.ActionNoiseStd, stats);
            results[k] = new ItemResult(item.Index, false, positive.Return, negative.Return, positive.Length, negative.Length, stats?.ToDelta(), item.Half);
        }
        return new BatchResult(batch.EvaluatorId, batch.RunId, batch.Generation, batch.BatchId, batch.Attempt, nodeAddress, results,
            Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    public void Dispose() => _runner?.Dispose();
}
