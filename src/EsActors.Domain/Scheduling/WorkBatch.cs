using EsActors.Domain.Es;
using EsActors.Domain.Normalization;

namespace EsActors.Domain.Scheduling;

/// <summary>Which episodes of a mirrored pair a work item runs: both, or one half of a pair split across slots.</summary>
public enum PairHalf : byte { Both = 0, Positive = 1, Negative = 2 }

/// <summary>What a <see cref="PairHalf"/> means, said once for the scheduler, the evaluator and the bench's simulation.</summary>
public static class PairHalves
{
    /// <summary>Whether an item of this half runs the θ+σε episode.</summary>
    public static bool RunsPositive(this PairHalf half) => half != PairHalf.Negative;

    /// <summary>Whether an item of this half runs the θ−σε episode.</summary>
    public static bool RunsNegative(this PairHalf half) => half != PairHalf.Positive;

    /// <summary>How much of a mirrored pair an item of this half runs: a whole pair, or half of one.</summary>
    public static double PairShare(this PairHalf half) => half == PairHalf.Both ? 1.0 : 0.5;
}

/// <summary>A slice of a generation's work: some mirrored pairs (or one half of a pair), or some noiseless evaluation episodes.</summary>
public sealed record WorkBatch(int BatchId, bool IsEvaluation, int[] Indices, PairHalf Half = PairHalf.Both)
{
    /// <summary>The batch spelled out for an evaluator from the generation's plan: noise index and seeds of each item.</summary>
    public WorkItem[] ItemsOf(PerturbationPlan plan) => Indices.Select(i => IsEvaluation
        ? new WorkItem(i, true, -1, plan.EvaluationSeeds[i], false)
        : new WorkItem(i, false, plan.NoiseIndices[i], plan.EpisodeSeeds[i], plan.CollectStatistics[i], Half)).ToArray();
}

/// <summary>One unit of work: a mirrored pair (both halves share the episode seed), one half of a pair, or a noiseless evaluation episode.</summary>
/// <param name="Index">Pair index, or evaluation-episode index when <see cref="IsEvaluation"/>.</param>
/// <param name="NoiseIndex">Start of ε in the noise table; −1 for evaluation episodes.</param>
public readonly record struct WorkItem(int Index, bool IsEvaluation, int NoiseIndex, ulong EpisodeSeed, bool CollectStatistics, PairHalf Half = PairHalf.Both);

/// <summary>
/// What an evaluator reports for one item of a batch. Evaluation items fill only the positive half, as does a
/// <see cref="PairHalf.Positive"/> item (a <see cref="PairHalf.Negative"/> one only the negative half). Observation
/// statistics travel per item (only for the few sampled pairs, never split) so they merge in pair order, whatever the batching.
/// </summary>
public readonly record struct ItemOutcome(
    int Index, bool IsEvaluation, PairHalf Half, double ReturnPositive, double ReturnNegative, int LengthPositive, int LengthNegative,
    ObservationStatistics? Delta)
{
    /// <summary>Environment steps of the item's episodes.</summary>
    public long Steps => (long)LengthPositive + LengthNegative;
}

/// <summary>A batch handed to a slot by <see cref="GenerationWork.AssignToSlots"/>; a backup copies a straggler already out.</summary>
public readonly record struct Assigned(string Evaluator, WorkBatch Batch, int Attempt, bool IsBackup);
