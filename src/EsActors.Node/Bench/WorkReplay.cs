using System.Diagnostics;
using Akka.Actor;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Node.Actors;
using EsActors.Node.Hosting;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;

namespace EsActors.Node.Bench;

/// <summary>One generation evaluated again on one thread: its env steps, the time they took, and whether every return came out bit-identical to the journal's.</summary>
public sealed record ReplayedGeneration(int Generation, long Steps, double Seconds, bool Identical);

/// <summary>
/// The physical limit of exactly the work a cluster did: the generations of a run are rebuilt from its journal and
/// every one of their episodes (pairs and evaluation episodes, same θ, noise, seeds and episode cap) is stepped
/// again in a tight loop on one thread, no actors and no messages, through the evaluator's own
/// <see cref="BatchEvaluator"/>. Dividing this single-thread time by (cores × the cluster's wall time) gives an
/// efficiency that does not depend on how the workload changed while the run learned.
/// </summary>
public static class WorkReplay
{
    /// <summary>Replays generations [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="runId"/>; one untimed warm-up generation first.</summary>
    public static async Task<IReadOnlyList<ReplayedGeneration>> Measure(JournalTarget journal, string runId, int from, int to, CancellationToken cancellation)
    {
        RunHistory history;
        var system = ActorSystem.Create("esbench-replay", BenchCommand.Quiet.WithFallback(NodeConfig.BuildLocal(journal)));
        try { history = await RunHistoryReader.Read(system, runId, TimeSpan.FromSeconds(120)); }
        finally { await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30)); }

        var run = history.State.RequireDefinition();
        var state = RunLogic.Apply(RunState.Empty, new RunStarted(run, history.State.Stop ?? new StopCriteria(int.MaxValue, null)));
        var limit = EnvironmentRegistry.GetSpec(run.EnvironmentId).MaxEpisodeSteps;
        using var evaluator = new BatchEvaluator();
        var replayed = new List<ReplayedGeneration>();
        foreach (var generation in history.Generations)
        {
            if (generation.Generation >= to) break;
            cancellation.ThrowIfCancellationRequested();
            // The generation before the window warms the JIT and the caches up, untimed.
            if (generation.Generation >= from - 1)
            {
                var batch = WholeGeneration(run, state, generation.Generation, limit);
                var started = Stopwatch.GetTimestamp();
                var result = evaluator.Evaluate(batch, state, "replay");
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                if (generation.Generation >= from)
                    replayed.Add(new ReplayedGeneration(generation.Generation,
                        result.Items.Sum(i => (long)i.LengthPositive + i.LengthNegative), seconds, SameReturns(result, generation)));
            }
            state = RunLogic.Apply(state, generation);
        }
        if (replayed.Count != to - from) throw new InvalidOperationException($"the journal of run {runId} holds {replayed.Count} of generations {from}..{to - 1}");
        return replayed;
    }

    /// <summary>Every item of a generation in one batch, exactly as the optimizer would cut and send them.</summary>
    private static SeedBatch WholeGeneration(RunDefinition run, RunState state, int generation, int environmentLimit)
    {
        var plan = PerturbationPlan.For(run, generation, RunLogic.NoiseFor(run));
        var items = Enumerable.Range(0, run.EvaluationEpisodes).Select(k => new WorkItem(k, true, -1, plan.EvaluationSeeds[k], false))
            .Concat(Enumerable.Range(0, run.Pairs).Select(i => new WorkItem(i, false, plan.NoiseIndices[i], plan.EpisodeSeeds[i], plan.CollectStatistics[i])))
            .ToArray();
        return new SeedBatch("replay", "replay", generation, 0, 1, state.Checksum(), state.EpisodeCap(environmentLimit), items);
    }

    private static bool SameReturns(BatchResult result, GenerationCompleted journal)
    {
        foreach (var item in result.Items)
        {
            var same = item.IsEvaluation
                ? item.ReturnPositive.Equals(journal.EvaluationReturns[item.Index]) && item.LengthPositive == journal.EvaluationLengths[item.Index]
                : item.ReturnPositive.Equals(journal.ReturnsPositive[item.Index]) && item.ReturnNegative.Equals(journal.ReturnsNegative[item.Index])
                  && item.LengthPositive == journal.LengthsPositive[item.Index] && item.LengthNegative == journal.LengthsNegative[item.Index];
            if (!same) return false;
        }
        return true;
    }
}
