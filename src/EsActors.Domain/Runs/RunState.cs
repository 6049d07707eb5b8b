using System.IO.Hashing;
using System.Runtime.InteropServices;
using EsActors.Domain.Normalization;
using EsActors.Domain.Es;

namespace EsActors.Domain.Runs;

/// <summary>
/// The state of a run after <see cref="Generation"/> completed generations: θ, optimizer moments and
/// observation statistics, which together with (seed, generation) are everything the next update needs.
/// Immutable: <see cref="RunLogic.Apply"/> returns a new state with new arrays, so snapshots and replicas
/// can hold references safely.
/// </summary>
/// <param name="Timesteps">Every environment step so far, training and evaluation episodes (progress lines).</param>
/// <param name="TrainingTimesteps">Steps of training episodes only, as the paper counts them: what a timestep budget
/// (<see cref="StopCriteria.MaxTimesteps"/>) and the learning reports measure.</param>
/// <param name="Sigmas">σ of every parameter when the run learns them (<see cref="StrategySettings.SigmaLearningRate"/>); null otherwise.</param>
/// <param name="Cma">The search distribution of a <see cref="StrategyKind.CmaEs"/> run (θ is its mean); null otherwise.</param>
/// <param name="AverageTheta">With <see cref="RunDefinition.PolicyAveraging"/>: the moving average of θ, the run's policy; null otherwise.</param>
/// <param name="Best">With <see cref="RunDefinition.KeepBestPolicy"/>: the best-evaluated θ so far; null otherwise or before the first generation.</param>
public sealed record RunState(
    RunDefinition? Definition,
    StopCriteria? Stop,
    int Generation,
    float[] Theta,
    OptimizerState Optimizer,
    ObservationStatistics ObservationStatistics,
    long Timesteps,
    double? LastEvaluationMean,
    double MeanEpisodeLength,
    long TrainingTimesteps,
    float[]? Sigmas = null,
    BestPolicy? Best = null,
    CmaState? Cma = null,
    float[]? AverageTheta = null)
{
    public static readonly RunState Empty = new(null, null, 0, [], OptimizerState.Zero(0), ObservationStatistics.Empty(0), 0, null, 0, 0);

    public bool IsStarted => Definition is not null;

    public bool IsFinished =>
        Stop is not null && IsStarted &&
        (Generation >= Stop.MaxGenerations || (Stop.TargetReturn is { } target && LastEvaluationMean >= target)
         || (Stop.MaxTimesteps is { } budget && TrainingTimesteps >= budget));

    /// <summary>The θ the run's noiseless evaluation episodes play: the moving average with policy-averaging, else θ.</summary>
    public float[] PolicyTheta => AverageTheta ?? Theta;

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
        if (Sigmas is not null) hash.Append(MemoryMarshal.AsBytes(Sigmas.AsSpan()));
        Cma?.AppendTo(hash);
        if (AverageTheta is not null) hash.Append(MemoryMarshal.AsBytes(AverageTheta.AsSpan()));
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

/// <summary>
/// The θ of generation <paramref name="Generation"/> and the observation statistics its evaluation used: the highest
/// mean noiseless evaluation return of the run so far (the earliest generation wins a tie). Selecting on the in-run
/// evaluation episodes biases <paramref name="EvaluationMean"/> upward; the policy's score is measured afterwards on
/// fresh episodes.
/// </summary>
public sealed record BestPolicy(int Generation, double EvaluationMean, float[] Theta, ObservationStatistics ObservationStatistics);

