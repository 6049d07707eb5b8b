using System.Diagnostics;
using Akka.Actor;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;
using EsActors.Domain.Es;
using EsActors.Domain.Scheduling;
using EsActors.Node.Evaluation;
using EsActors.Node.Configuration;

namespace EsActors.Bench;

/// <summary>
/// One generation evaluated again: its env steps, the time one thread took on an otherwise idle machine, the mean
/// time each of <c>threads</c> threads took while all replayed it at once (shared caches, memory bandwidth and clock
/// of a fully loaded machine), and whether every return came out bit-identical to the journal's; with the run and
/// the journal's event, so its episodes can be scheduled again on paper (<see cref="DispatchSimulation"/>).
/// </summary>
public sealed record ReplayedGeneration(int Generation, long Steps, double Seconds, double LoadedSeconds, bool Identical, RunDefinition Run, GenerationCompleted Journal)
{
    /// <summary>Each episode's time on one thread: its length × this generation's replayed seconds per step.</summary>
    public DispatchSimulation.GenerationCosts Costs()
    {
        var perStep = Steps > 0 ? Seconds / Steps : 0;
        return new DispatchSimulation.GenerationCosts(PerturbationPlan.For(Run, Generation, RunLogic.NoiseFor(Run)),
            Journal.LengthsPositive.Select(l => l * perStep).ToArray(), Journal.LengthsNegative.Select(l => l * perStep).ToArray(),
            Journal.EvaluationLengths.Select(l => l * perStep).ToArray());
    }
}

/// <summary>
/// The physical limit of exactly the work a cluster did: the generations of a run are rebuilt from its journal and
/// every one of their episodes (pairs and evaluation episodes, same θ, noise, seeds and episode cap) is stepped
/// again in a tight loop on one thread, no actors and no messages, through the evaluator's own
/// <see cref="BatchEvaluator"/>. Dividing this single-thread time by (cores × the cluster's wall time) gives an
/// efficiency that does not depend on how the workload changed while the run learned.
/// </summary>
public static class WorkReplay
{
    /// <summary>
    /// Replays generations [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="runId"/>, first on one thread,
    /// then on <paramref name="threads"/> threads at once (each replays every generation); one untimed warm-up generation first.
    /// </summary>
    public static async Task<IReadOnlyList<ReplayedGeneration>> Measure(JournalTarget journal, string runId, int from, int to, int threads, CancellationToken cancellation)
    {
        RunHistory history;
        var system = ActorSystem.Create("esbench-replay", BenchCommand.Quiet.WithFallback(NodeConfig.BuildLocal(journal)));
        try { history = await RunHistoryReader.Read(system, runId, TimeSpan.FromSeconds(120)); }
        finally { await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30)); }

        var run = history.State.RequireDefinition();
        var limit = EnvironmentRegistry.GetSpec(run.EnvironmentId).MaxEpisodeSteps;
        // The states before each generation of the window (and the one before it, for the warm-up).
        var window = new List<(RunState State, GenerationCompleted Journal)>();
        var state = RunLogic.Apply(RunState.Empty, new RunStarted(run, history.State.Stop ?? new StopCriteria(int.MaxValue, null)));
        foreach (var generation in history.Generations)
        {
            if (generation.Generation >= to) break;
            if (generation.Generation >= from - 1) window.Add((state, generation));
            state = RunLogic.Apply(state, generation);
        }
        if (window.Count(w => w.Journal.Generation >= from) != to - from)
            throw new InvalidOperationException($"the journal of run {runId} does not hold generations {from}..{to - 1}");

        var alone = ReplayAll(run, window, from, limit, cancellation);
        var events = window.Where(w => w.Journal.Generation >= from).Select(w => w.Journal).ToArray();
        var loaded = new (long Steps, double Seconds, bool Identical)[Math.Max(1, threads)][];
        Parallel.For(0, loaded.Length, new ParallelOptions { MaxDegreeOfParallelism = loaded.Length, CancellationToken = cancellation },
            t => loaded[t] = ReplayAll(run, window, from, limit, cancellation));
        return alone.Select((a, i) => new ReplayedGeneration(from + i, a.Steps, a.Seconds, loaded.Average(l => l[i].Seconds), a.Identical && loaded.All(l => l[i].Identical), run, events[i]))
            .ToList();
    }

    /// <summary>Replays the window on the calling thread: the first generation untimed (JIT, caches), the rest timed one by one.</summary>
    private static (long Steps, double Seconds, bool Identical)[] ReplayAll(RunDefinition run, List<(RunState State, GenerationCompleted Journal)> window, int from, int limit, CancellationToken cancellation)
    {
        using var evaluator = new BatchEvaluator();
        var timed = new List<(long, double, bool)>();
        foreach (var (state, journal) in window)
        {
            cancellation.ThrowIfCancellationRequested();
            var batch = WholeGeneration(run, state, journal.Generation, limit);
            var started = Stopwatch.GetTimestamp();
            var result = evaluator.Evaluate(batch, state, "replay");
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (journal.Generation >= from)
                timed.Add((result.Items.Sum(i => (long)i.LengthPositive + i.LengthNegative), seconds, SameReturns(result, journal)));
        }
        return timed.ToArray();
    }

    /// <summary>Every item of a generation in one batch, exactly as the optimizer would cut and send them.</summary>
    private static SeedBatch WholeGeneration(RunDefinition run, RunState state, int generation, int environmentLimit)
    {
        var plan = PerturbationPlan.For(run, generation, RunLogic.NoiseFor(run));
        var items = new WorkBatch(0, true, Enumerable.Range(0, run.EvaluationEpisodes).ToArray()).ItemsOf(plan)
            .Concat(new WorkBatch(1, false, Enumerable.Range(0, run.Pairs).ToArray()).ItemsOf(plan)).ToArray();
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
