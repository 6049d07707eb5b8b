using EsActors.Domain.Normalization;

namespace EsActors.Domain.Runs;

/// <summary>Events of a run's journal. Past tense; each is a fact the optimizer persisted.</summary>
public interface IRunEvent;

public sealed record RunStarted(RunDefinition Definition, StopCriteria Stop) : IRunEvent;

public sealed record StopCriteriaChanged(StopCriteria Stop) : IRunEvent;

/// <summary>
/// The scalars of one generation: what the update needs (noise indices, returns, statistics delta) and what
/// progress reports show. θ is not stored: it is rebuilt by replaying these events (Algorithm 2).
/// Pair i used noise index NoiseIndices[i] with returns ReturnsPositive[i] (θ+σε) and ReturnsNegative[i] (θ−σε).
/// </summary>
public sealed record GenerationCompleted(
    int Generation,
    int[] NoiseIndices,
    double[] ReturnsPositive,
    double[] ReturnsNegative,
    int[] LengthsPositive,
    int[] LengthsNegative,
    ObservationStatistics ObservationDelta,
    double[] EvaluationReturns,
    int[] EvaluationLengths,
    double WallSeconds) : IRunEvent
{
    public long TrainingTimesteps => LengthsPositive.Sum(l => (long)l) + LengthsNegative.Sum(l => (long)l);
    public long EvaluationTimesteps => EvaluationLengths.Sum(l => (long)l);
    public double MeanTrainingReturn => (ReturnsPositive.Sum() + ReturnsNegative.Sum()) / (2.0 * ReturnsPositive.Length);
    public double MaxTrainingReturn => Math.Max(ReturnsPositive.Max(), ReturnsNegative.Max());
    public double MeanEvaluationReturn => EvaluationReturns.Average();
}
