using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;

namespace EsActors.Node.Protocol;

/// <summary>Marker for every message that may cross a node boundary; binds them to <c>EsSerializer</c>.</summary>
public interface IEsMessage;

/// <summary>Routes a message to an evaluator entity (shard routing by interface, not by envelope).</summary>
public interface IWithEvaluatorId
{
    string EvaluatorId { get; }
}

/// <summary>One unit of work: a mirrored pair (both halves share the episode seed), one half of a pair, or a noiseless evaluation episode.</summary>
/// <param name="Index">Pair index, or evaluation-episode index when <see cref="IsEvaluation"/>.</param>
/// <param name="NoiseIndex">Start of ε in the noise table; −1 for evaluation episodes.</param>
public readonly record struct WorkItem(int Index, bool IsEvaluation, int NoiseIndex, ulong EpisodeSeed, bool CollectStatistics, PairHalf Half = PairHalf.Both)
{
    /// <summary>The items of <paramref name="batch"/> of <paramref name="plan"/>: its pairs (or pair half), or its evaluation episodes.</summary>
    public static WorkItem[] For(PerturbationPlan plan, WorkBatch batch) => For(plan, batch.IsEvaluation, batch.Indices, batch.Half);

    public static WorkItem[] For(PerturbationPlan plan, bool isEvaluation, IEnumerable<int> indices, PairHalf half = PairHalf.Both) =>
        indices.Select(i => isEvaluation
            ? new WorkItem(i, true, -1, plan.EvaluationSeeds[i], false)
            : new WorkItem(i, false, plan.NoiseIndices[i], plan.EpisodeSeeds[i], plan.CollectStatistics[i], half)).ToArray();
}

/// <summary>
/// Optimizer → evaluator: evaluate these items with θ of <see cref="Generation"/>. θ is not in the message;
/// the node's replica must hold the state whose digest is <see cref="StateChecksum"/>.
/// </summary>
public sealed record SeedBatch(
    string EvaluatorId, string RunId, int Generation, int BatchId, int Attempt, ulong StateChecksum,
    int EpisodeCap, WorkItem[] Items) : IEsMessage, IWithEvaluatorId;

/// <summary>
/// Result of one work item. Evaluation items fill only the positive half, as does a <see cref="PairHalf.Positive"/>
/// item (a <see cref="PairHalf.Negative"/> one only the negative half). Observation statistics travel per item (only
/// for the few sampled pairs, never split) so the optimizer can merge them in pair order, whatever the batching.
/// </summary>
public sealed record ItemResult(
    int Index, bool IsEvaluation, double ReturnPositive, double ReturnNegative, int LengthPositive, int LengthNegative,
    ObservationStatistics? ObservationDelta, PairHalf Half = PairHalf.Both)
{
    public ItemOutcome ToOutcome() => new(Index, IsEvaluation, Half, ReturnPositive, ReturnNegative, LengthPositive, LengthNegative, ObservationDelta);
}

/// <summary>Evaluator → optimizer: scalars only.</summary>
public sealed record BatchResult(
    string EvaluatorId, string RunId, int Generation, int BatchId, int Attempt, string NodeAddress,
    ItemResult[] Items, double EvaluationSeconds) : IEsMessage;

/// <summary>Evaluator → optimizer: the batch could not be evaluated (e.g. its generation is already past on this node).</summary>
public sealed record BatchRejected(string EvaluatorId, string RunId, int Generation, int BatchId, string Reason) : IEsMessage;

/// <summary>Replica → optimizer: send the generation events in [FromGeneration, ToGeneration).</summary>
public sealed record GetGenerations(string RunId, int FromGeneration, int ToGeneration) : IEsMessage;

/// <summary>Optimizer → replica: the events asked for, or none when they are no longer in memory (then fetch the state).</summary>
public sealed record GenerationsReply(string RunId, RunStarted? Start, GenerationCompleted[] Generations, bool Available) : IEsMessage;

/// <summary>Replica → optimizer: send the whole current state (θ, moments, statistics). Used once on join or on drift.</summary>
public sealed record FetchState(string RunId) : IEsMessage;

public sealed record StateReply(string RunId, RunState State) : IEsMessage;

/// <summary>CLI → optimizer: start (or resume) the run with this definition.</summary>
public sealed record StartRunRequest(string RunId, RunDefinition Definition, StopCriteria Stop) : IEsMessage;

public sealed record RunAccepted(string RunId, int Generation, bool Finished) : IEsMessage;

public sealed record RunRejected(string RunId, string Reason) : IEsMessage;

/// <summary>Optimizer → subscribers (distributed pub-sub topic <c>run-progress</c>) after each persisted generation.</summary>
public sealed record GenerationProgress(
    string RunId, int Generation, long Timesteps, double MeanReturn, double MaxReturn, double EvaluationMean,
    double StepsPerSecond, double WallSeconds, int Reissued, int Backups, int Evaluators, bool Finished, NodeWork[] Nodes) : IEsMessage;

/// <summary>Optimizer → subscribers: the run stopped for good without finishing (e.g. rejected results).</summary>
public sealed record RunFailed(string RunId, string Reason) : IEsMessage;

/// <summary>Anyone → run host: describe the active run.</summary>
public sealed record GetRunStatus : IEsMessage;

/// <summary>Per-node work figures kept by the optimizer (cumulative over the run since the optimizer started).</summary>
/// <param name="EvaluationSeconds">Busy time of the node's slots, so Steps / EvaluationSeconds is env steps/s per busy slot.</param>
/// <param name="Reissued">Batches taken back from this node (lost node or deadline).</param>
/// <param name="Backups">Backup copies of stragglers this node was given.</param>
public sealed record NodeWork(string Node, int Slots, long Batches, long Steps, double EvaluationSeconds, int Reissued, int Backups)
{
    public double StepsPerBusySecond => EvaluationSeconds > 0 ? Steps / EvaluationSeconds : 0;
}

public sealed record RunStatus(
    string RunId, int Generation, long Timesteps, double? LastEvaluationMean, bool Finished, string? Failure,
    int Reissued, int Backups, NodeWork[] Nodes) : IEsMessage;

/// <summary>
/// Optimizer → every node's replica, right after a generation is applied: the scalars of that generation, so
/// replicas advance before the next seed batches arrive instead of asking for them (Algorithm 2's broadcast).
/// </summary>
public sealed record GenerationApplied(string RunId, GenerationCompleted Generation) : IEsMessage;
