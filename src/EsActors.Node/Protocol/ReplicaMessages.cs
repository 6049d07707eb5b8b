using EsActors.Domain.Runs;

namespace EsActors.Node.Protocol;

/// <summary>Replica → optimizer: send the generation events in [FromGeneration, ToGeneration).</summary>
public sealed record GetGenerations(string RunId, int FromGeneration, int ToGeneration) : IEsMessage;

/// <summary>Optimizer → replica: the events asked for, or none when they are no longer in memory (then fetch the state).</summary>
public sealed record GenerationsReply(string RunId, RunStarted? Start, GenerationCompleted[] Generations, bool Available) : IEsMessage;

/// <summary>Replica → optimizer: send the whole current state (θ, moments, statistics). Used once on join or on drift.</summary>
public sealed record FetchState(string RunId) : IEsMessage;

public sealed record StateReply(string RunId, RunState State) : IEsMessage;

/// <summary>
/// Optimizer → every node's replica, right after a generation is applied: the scalars of that generation, so
/// replicas advance before the next seed batches arrive instead of asking for them (Algorithm 2's broadcast).
/// </summary>
public sealed record GenerationApplied(string RunId, GenerationCompleted Generation) : IEsMessage;
