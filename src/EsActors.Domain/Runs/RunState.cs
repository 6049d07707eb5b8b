using System.Numerics.Tensors;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using EsActors.Domain.Noise;
using EsActors.Domain.Normalization;
using EsActors.Domain.Optimizers;
using EsActors.Domain.Strategy;

namespace EsActors.Domain.Runs;

/// <summary>
/// The state of a run after <see cref="Generation"/> completed generations: θ, optimizer moments and
/// observation statistics, which together with (seed, generation) are everything the next update needs.
/// Immutable: <see cref="RunLogic.Apply"/> returns a new state with new arrays, so snapshots and replicas
/// can hold references safely.
/// </summary>
public sealed record RunState(
    RunDefinition? Definition,
    StopCriteria? Stop,
    int Generation,
    float[] Theta,
    OptimizerState Optimizer,
    ObservationStatistics ObservationStatistics,
    long Timesteps,
    double? LastEvaluationMean,
    double MeanEpisodeLength)
{
    public static readonly RunState Empty = new(null, null, 0, [], OptimizerState.Zero(0), ObservationStatistics.Empty(0), 0, null, 0);

    public bool IsStarted => Definition is not null;

    public bool IsFinished =>
        Stop is not null && IsStarted &&
        (Generation >= Stop.MaxGenerations || (Stop.TargetReturn is { } target && LastEvaluationMean >= target));

    public RunDefinition RequireDefinition() => Definition ?? throw new InvalidOperationException("the run has not started");

    /// <summary>
    /// A digest of θ and the observation statistics at this generation. Seed batches carry it so a node's
    /// replica can tell that it holds exactly the optimizer's parameters.
    /// </summary>
    public ulong Checksum()
    {
        var hash = new XxHash3();
        hash.Append(MemoryMarshal.AsBytes(Theta.AsSpan()));
        hash.Append(MemoryMarshal.AsBytes(ObservationStatistics.Sum.AsSpan()));
        hash.Append(MemoryMarshal.AsBytes(ObservationStatistics.SumOfSquares.AsSpan()));
        Span<double> count = [ObservationStatistics.Count, Generation];
        hash.Append(MemoryMarshal.AsBytes(count));
        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>The training-episode step cap for the current generation (paper's straggler guard).</summary>
    public int EpisodeCap(int environmentLimit)
    {
        var factor = RequireDefinition().EpisodeCapFactor;
        if (factor <= 0 || MeanEpisodeLength <= 0) return environmentLimit;
        return (int)Math.Clamp(Math.Ceiling(factor * MeanEpisodeLength), 1, environmentLimit);
    }
}

/// <summary>Commands to the run. Imperative names; <see cref="RunLogic.Decide"/> turns them into events.</summary>
public interface IRunCommand;

public sealed record StartRun(RunDefinition Definition, StopCriteria Stop) : IRunCommand;

public sealed record CompleteGeneration(GenerationCompleted Result) : IRunCommand;

/// <summary>Either the events to persist or the reason the command is refused.</summary>
public sealed record Decision(IReadOnlyList<IRunEvent> Events, string? Rejection)
{
    public static Decision Accept(params IRunEvent[] events) => new(events, null);
    public static Decision Reject(string reason) => new([], reason);
    public bool IsRejected => Rejection is not null;
}

/// <summary>The run's pure logic: Decide (command → events) and Apply (event → state).</summary>
public static class RunLogic
{
    public static Decision Decide(RunState state, IRunCommand command) => command switch
    {
        StartRun start => DecideStart(state, start),
        CompleteGeneration complete => DecideGeneration(state, complete.Result),
        _ => Decision.Reject($"unknown command {command.GetType().Name}"),
    };

    private static Decision DecideStart(RunState state, StartRun start)
    {
        try { start.Definition.Validate(); }
        catch (ArgumentException e) { return Decision.Reject(e.Message); }
        if (!state.IsStarted) return Decision.Accept(new RunStarted(start.Definition, start.Stop));
        var differences = state.Definition!.Differences(start.Definition);
        if (differences.Count > 0)
            return Decision.Reject($"the journal's run differs from the requested one in: {string.Join("; ", differences)}");
        return state.Stop == start.Stop ? Decision.Accept() : Decision.Accept(new StopCriteriaChanged(start.Stop));
    }

    private static Decision DecideGeneration(RunState state, GenerationCompleted result)
    {
        if (!state.IsStarted) return Decision.Reject("the run has not started");
        var run = state.Definition!;
        if (result.Generation != state.Generation) return Decision.Reject($"result for generation {result.Generation}, expected {state.Generation}");
        if (state.IsFinished) return Decision.Reject("the run is finished");
        var n = run.Pairs;
        if (result.NoiseIndices.Length != n || result.ReturnsPositive.Length != n || result.ReturnsNegative.Length != n
            || result.LengthsPositive.Length != n || result.LengthsNegative.Length != n)
            return Decision.Reject($"generation {result.Generation} must hold {n} pairs");
        if (result.EvaluationReturns.Length != run.EvaluationEpisodes || result.EvaluationLengths.Length != run.EvaluationEpisodes)
            return Decision.Reject($"generation {result.Generation} must hold {run.EvaluationEpisodes} evaluation episodes");
        if (result.ReturnsPositive.Concat(result.ReturnsNegative).Concat(result.EvaluationReturns).Any(r => !double.IsFinite(r)))
            return Decision.Reject($"generation {result.Generation} holds a non-finite return");
        var expected = PerturbationPlan.For(run, state.Generation, NoiseFor(run)).NoiseIndices;
        if (!expected.AsSpan().SequenceEqual(result.NoiseIndices))
            return Decision.Reject($"generation {result.Generation} used noise indices that differ from its plan");
        if (result.ObservationDelta.Size != state.ObservationStatistics.Size)
            return Decision.Reject("observation statistics delta has the wrong size");
        return Decision.Accept(result);
    }

    public static RunState Apply(RunState state, IRunEvent @event) => @event switch
    {
        RunStarted started => Start(started),
        StopCriteriaChanged changed => state with { Stop = changed.Stop },
        GenerationCompleted generation => Update(state, generation),
        _ => throw new ArgumentException($"unknown event {@event.GetType().Name}"),
    };

    public static NoiseTable NoiseFor(RunDefinition run) => NoiseTable.Shared(run.NoiseSeed, run.NoiseTableSize);

    private static RunState Start(RunStarted started)
    {
        var run = started.Definition;
        var theta = run.Network.InitialParameters(run.Seed);
        return new RunState(run, started.Stop, 0, theta, OptimizerState.Zero(theta.Length),
            ObservationStatistics.Initial(run.Network.Inputs), 0, null, 0);
    }

    /// <summary>
    /// One ES step (Salimans et al. 2017, Algorithm 2, lines 7–8): centered ranks over all 2n returns, the mirrored
    /// gradient estimate, weight decay, then the optimizer. Deterministic: fixed summation order everywhere.
    /// </summary>
    private static RunState Update(RunState state, GenerationCompleted g)
    {
        var run = state.RequireDefinition();
        var n = run.Pairs;
        var returns = new double[2 * n];
        g.ReturnsPositive.CopyTo(returns, 0);
        g.ReturnsNegative.CopyTo(returns, n);
        var shaped = new float[2 * n];
        FitnessShaping.CenteredRanks(returns, shaped);

        var ascent = new float[state.Theta.Length];
        EsGradient.Estimate(NoiseFor(run), g.NoiseIndices, shaped.AsSpan(0, n), shaped.AsSpan(n, n), 1f / (2 * n), ascent);
        // Weight decay: step along −(−g + λθ) = g − λθ.
        TensorPrimitives.MultiplyAdd(state.Theta, -run.WeightDecay, ascent, ascent);
        var (theta, optimizer) = Optimizer.Step(run.Optimizer, state.Theta, state.Optimizer, ascent);

        var statistics = run.ObservationNormalization && g.ObservationDelta.Count > 0
            ? state.ObservationStatistics.Merge(g.ObservationDelta)
            : state.ObservationStatistics;
        return state with
        {
            Generation = state.Generation + 1,
            Theta = theta,
            Optimizer = optimizer,
            ObservationStatistics = statistics,
            Timesteps = state.Timesteps + g.TrainingTimesteps + g.EvaluationTimesteps,
            LastEvaluationMean = g.MeanEvaluationReturn,
            MeanEpisodeLength = (g.LengthsPositive.Sum(l => (double)l) + g.LengthsNegative.Sum(l => (double)l)) / (2.0 * n),
        };
    }
}
