using EsActors.Domain.Runs;

namespace EsActors.Node.Protocol;

/// <summary>CLI → optimizer: start (or resume) the run with this definition.</summary>
public sealed record StartRunRequest(string RunId, RunDefinition Definition, StopCriteria Stop) : IEsMessage;

public sealed record RunAccepted(string RunId, int Generation, bool Finished) : IEsMessage;

public sealed record RunRejected(string RunId, string Reason) : IEsMessage;

/// <summary>Anyone → run host: describe this run (null: the run started last among those hosted).</summary>
public sealed record GetRunStatus(string? RunId = null) : IEsMessage;

/// <summary>Anyone → run host: describe every run it hosts (answered with <see cref="RunList"/>).</summary>
public sealed record ListRuns : IEsMessage
{
    public static readonly ListRuns Instance = new();
}

/// <summary>
/// Run host → asker: the status of every run it hosts, in the order they were started (finished runs whose optimizer
/// is still up included), and the hosted runs whose optimizer is restarting (paused: no status to give).
/// </summary>
public sealed record RunList(RunStatus[] Runs, string[] Paused) : IEsMessage;

/// <summary>
/// CLI → run host (a <c>train</c> stopped by Ctrl-C / SIGTERM): stop hosting this run, its applied generations
/// written; the other runs go on. Answered with <see cref="RunStopped"/> once its optimizer has stopped.
/// </summary>
public sealed record StopRun(string RunId) : IEsMessage;

public sealed record RunStopped(string RunId) : IEsMessage;

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
/// Optimizer → subscribers (distributed pub-sub topic <c>run-progress</c>) after each persisted generation: the
/// generation's figures (the same ones <c>export</c> rebuilds from the journal) plus what only the live run knows.
/// </summary>
/// <param name="Evaluators">Slots in the cluster when the generation completed.</param>
public sealed record GenerationProgress(
    string RunId, GenerationFigures Figures, int Reissued, int Backups, int Evaluators, bool Finished, NodeWork[] Nodes) : IEsMessage
{
    public int Generation => Figures.Generation;

    /// <summary>Nodes with at least one slot.</summary>
    public int ActiveNodes => Nodes.Count(n => n.Slots > 0);
}

/// <summary>Optimizer → subscribers: the run stopped for good without finishing (e.g. rejected results).</summary>
public sealed record RunFailed(string RunId, string Reason) : IEsMessage;

/// <summary>Optimizer → subscribers: the journal failed; the optimizer restarts with backoff and the run goes on from the journal.</summary>
public sealed record RunPaused(string RunId, string Reason) : IEsMessage;
