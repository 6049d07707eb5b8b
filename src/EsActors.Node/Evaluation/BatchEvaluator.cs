using System.Diagnostics;
using EsActors.Domain.Es;
using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;
using EsActors.Domain.Scheduling;
using EsActors.Environments;
using EsActors.Environments.Rollouts;
using EsActors.Node.Protocol;

namespace EsActors.Node.Evaluation;

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
    private (RunDefinition Run, int Generation, float[] Sigmas)? _sigmas;
    private float[] _perturbation = [];

    public BatchResult Evaluate(SeedBatch batch, RunState state, string nodeAddress)
    {
        var started = Stopwatch.GetTimestamp();
        var run = state.RequireDefinition();
        if (!ReferenceEquals(run, _runnerFor))
        {
            _runner?.Dispose();
            _runner = new EpisodeRunner(EnvironmentRegistry.Create(run.EnvironmentId), run.Network, run.ActionBins, run.BoxHead);
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
        var results = new ItemOutcome[batch.Items.Length];
        for (var k = 0; k < batch.Items.Length; k++)
        {
            var item = batch.Items[k];
            if (item.IsEvaluation)
            {
                var outcome = runner.Run(state.PolicyTheta, ReadOnlySpan<float>.Empty, 0f, _normalizer!, item.EpisodeSeed, envLimit);
                results[k] = new ItemOutcome(item.Index, true, PairHalf.Both, outcome.Return, 0, outcome.Length, 0, null);
                continue;
            }
            var span = state.Cma is null ? dimension : CmaState.NoisePerItem(dimension);
            if (!noise.IsValidIndex(item.NoiseIndex, span)) throw new InvalidOperationException($"noise index {item.NoiseIndex} is outside the table");
            // A split pair's half never samples statistics (GenerationWork keeps those pairs whole).
            if (item.Half != PairHalf.Both && item.CollectStatistics) throw new InvalidOperationException($"pair {item.Index} collects observation statistics and cannot be split");
            var stats = item.CollectStatistics ? _accumulator : null;
            stats?.Clear();
            var cap = Math.Min(batch.EpisodeCap, envLimit);
            if (state.Cma is { } cma)
            {
                // CMA-ES: the item's two episodes are two independent candidates θ + σ·A·z.
                var first = !item.Half.RunsPositive() ? default : RunCandidate(runner, cma, noise, item, 0, state, run, cap, stats);
                var second = !item.Half.RunsNegative() ? default : RunCandidate(runner, cma, noise, item, 1, state, run, cap, stats);
                results[k] = new ItemOutcome(item.Index, false, item.Half, first.Return, second.Return, first.Length, second.Length, stats?.ToDelta());
                continue;
            }
            var epsilon = noise.Slice(item.NoiseIndex, dimension);
            var sigmas = state.Sigmas ?? SigmasFor(run, state.Generation);
            var positive = !item.Half.RunsPositive() ? default
                : sigmas is null ? runner.Run(state.Theta, epsilon, run.Sigma, _normalizer!, item.EpisodeSeed, cap, run.ActionNoiseStd, stats)
                : runner.Run(state.Theta, epsilon, sigmas, 1f, _normalizer!, item.EpisodeSeed, cap, run.ActionNoiseStd, stats);
            var negative = !item.Half.RunsNegative() ? default
                : sigmas is null ? runner.Run(state.Theta, epsilon, -run.Sigma, _normalizer!, item.EpisodeSeed, cap, run.ActionNoiseStd, stats)
                : runner.Run(state.Theta, epsilon, sigmas, -1f, _normalizer!, item.EpisodeSeed, cap, run.ActionNoiseStd, stats);
            results[k] = new ItemOutcome(item.Index, false, item.Half, positive.Return, negative.Return, positive.Length, negative.Length, stats?.ToDelta());
        }
        return new BatchResult(batch.EvaluatorId, batch.RunId, batch.Generation, batch.BatchId, batch.Attempt, nodeAddress, results,
            Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private EpisodeOutcome RunCandidate(EpisodeRunner runner, CmaState cma, NoiseTable noise, WorkItem item, int half, RunState state, RunDefinition run,
        int cap, ObservationAccumulator? stats)
    {
        var dimension = state.Theta.Length;
        if (_perturbation.Length != dimension) _perturbation = new float[dimension];
        cma.Perturbation(CmaState.CandidateNoise(noise, item.NoiseIndex, half, dimension), _perturbation);
        return runner.Run(state.Theta, _perturbation, 1f, _normalizer!, item.EpisodeSeed, cap, run.ActionNoiseStd, stats);
    }

    /// <summary>σ of every parameter at this generation with a sigma-schedule (cached per generation); null without one (learnt σs come with the state).</summary>
    private float[]? SigmasFor(RunDefinition run, int generation)
    {
        if (run.SigmaSchedule is not { } schedule) return null;
        if (_sigmas is { } cached && ReferenceEquals(cached.Run, run) && cached.Generation == generation) return cached.Sigmas;
        var sigmas = schedule.PerParameter(run.Network, generation);
        System.Numerics.Tensors.TensorPrimitives.Multiply(sigmas, run.Sigma, sigmas);
        _sigmas = (run, generation, sigmas);
        return sigmas;
    }

    public void Dispose() => _runner?.Dispose();
}
