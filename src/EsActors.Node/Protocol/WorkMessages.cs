using EsActors.Domain.Scheduling;

namespace EsActors.Node.Protocol;

/// <summary>Routes a message to an evaluator entity (shard routing by interface, not by envelope).</summary>
public interface IWithEvaluatorId
{
    string EvaluatorId { get; }
}

/// <summary>
/// Optimizer → evaluator: evaluate these items with θ of <see cref="Generation"/>. θ is not in the message;
/// the node's replica must hold the state whose digest is <see cref="StateChecksum"/>.
/// </summary>
public sealed record SeedBatch(
    string EvaluatorId, string RunId, int Generation, int BatchId, int Attempt, ulong StateChecksum,
    int EpisodeCap, WorkItem[] Items) : IEsMessage, IWithEvaluatorId;

/// <summary>Evaluator → optimizer: scalars only, one <see cref="ItemOutcome"/> per item of the batch, in its order.</summary>
public sealed record BatchResult(
    string EvaluatorId, string RunId, int Generation, int BatchId, int Attempt, string NodeAddress,
    ItemOutcome[] Items, double EvaluationSeconds) : IEsMessage;

/// <summary>Evaluator → optimizer: the batch could not be evaluated (e.g. its generation is already past on this node).</summary>
public sealed record BatchRejected(string EvaluatorId, string RunId, int Generation, int BatchId, string Reason) : IEsMessage;
