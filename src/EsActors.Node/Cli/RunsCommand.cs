using System.Globalization;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using EsActors.Domain.Es;
using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;
using EsActors.Node.Configuration;
using EsActors.Node.Optimizer;
using EsActors.Node.Protocol;

namespace EsActors.Node.Cli;

/// <summary>One line of <c>runs</c>: a run's progress as its journal records it.</summary>
/// <param name="BestEvaluation">The best mean noiseless evaluation return of any generation (null before the first).</param>
/// <param name="State">
/// finished (and why), active (hosted by the cluster: training now, or its node died and the next node that hosts the
/// run host resumes it) or stopped (its train was stopped with Ctrl-C / SIGTERM, or, in journals of older builds,
/// another run was started after it); an unfinished run resumes with its train command either way.
/// </param>
public sealed record RunSummary(string RunId, string EnvironmentId, int Generation, long TrainingTimesteps, double? BestEvaluation, string State);

/// <summary>
/// <c>runs</c>: lists the runs in a journal. Run ids come from the journal's persistence ids (Akka.Persistence.Query's
/// CurrentPersistenceIds, one per run's optimizer); each run's events are folded into a summary without replaying θ,
/// so even a long run is listed quickly. Reading only, it may run beside a live optimizer.
/// </summary>
public static class RunsCommand
{
    public static async Task<int> Run(string journal)
    {
        var target = JournalTarget.Parse(journal);
        if (!target.IsPostgres && !File.Exists(target.SqlitePath)) throw new UserError($"journal {target.SqlitePath} does not exist");
        target.ValidateBeforeStart();
        using var system = ActorSystem.Create("esactors-runs", NodeConfig.BuildLocal(target));
        try
        {
            var runs = await Read(system, TimeSpan.FromMinutes(2));
            if (runs.Count == 0) { Console.WriteLine($"journal {target.Description} holds no runs"); return 0; }
            string[] header = ["run", "env", "generation", "timesteps", "best eval", "state"];
            var rows = runs.Select(r => new[]
            {
                r.RunId, r.EnvironmentId, r.Generation.ToString(CultureInfo.InvariantCulture), r.TrainingTimesteps.ToString(CultureInfo.InvariantCulture),
                r.BestEvaluation is { } best ? best.ToString("0.##", CultureInfo.InvariantCulture) : "-", r.State,
            }).ToList();
            var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
            Console.WriteLine(Line(header, widths));
            foreach (var row in rows) Console.WriteLine(Line(row, widths));
            return 0;
        }
        finally { await system.Terminate(); }
    }

    /// <summary>Every run in the journal of <paramref name="system"/>, ordered by run id.</summary>
    public static async Task<IReadOnlyList<RunSummary>> Read(ActorSystem system, TimeSpan timeout)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var materializer = system.Materializer();
        using var cancellation = new CancellationTokenSource(timeout);
        var ids = await journal.CurrentPersistenceIds().RunWith(Sink.Seq<string>(), materializer).WaitAsync(cancellation.Token);
        var hostEvents = await Events(journal, RunHost.PersistenceIdValue, materializer).WaitAsync(cancellation.Token);
        var hosted = hostEvents.Aggregate(HostedRuns.Empty, (runs, e) => runs.Apply(e));
        var prefix = OptimizerActor.PersistenceIdFor("");
        var runs = new List<RunSummary>();
        foreach (var id in ids.Where(i => i.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var runId = id[prefix.Length..];
            var events = await Events(journal, id, materializer).WaitAsync(cancellation.Token);
            if (Summarize(runId, events.OfType<IRunEvent>(), hosted.Contains(runId)) is { } summary) runs.Add(summary);
        }
        return runs;
    }

    private static async Task<IReadOnlyList<object>> Events(SqlReadJournal journal, string persistenceId, IMaterializer materializer) =>
        await journal.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue).Select(e => e.Event).RunWith(Sink.Seq<object>(), materializer);

    /// <summary>Folds a run's events into its summary (null for a run that never started).</summary>
    public static RunSummary? Summarize(string runId, IEnumerable<IRunEvent> events, bool isActive)
    {
        RunDefinition? definition = null;
        StopCriteria? stop = null;
        int generation = 0; long training = 0; double? lastEvaluation = null, best = null;
        foreach (var e in events)
        {
            switch (e)
            {
                case RunStarted started: definition = started.Definition; stop = started.Stop; break;
                case StopCriteriaChanged changed: stop = changed.Stop; break;
                case GenerationCompleted g:
                    generation++;
                    training += g.TrainingTimesteps;
                    lastEvaluation = g.MeanEvaluationReturn;
                    if (double.IsFinite(g.MeanEvaluationReturn) && !(best >= g.MeanEvaluationReturn)) best = g.MeanEvaluationReturn;
                    break;
            }
        }
        if (definition is null) return null;
        // θ is not needed to tell whether a run is finished: RunState.IsFinished reads only these scalars.
        var state = new RunState(definition, stop, generation, [], OptimizerState.Zero(0), ObservationStatistics.Empty(0), 0, lastEvaluation, 0, training);
        return new RunSummary(runId, definition.EnvironmentId, generation, training, best, StateOf(state, isActive));
    }

    private static string StateOf(RunState run, bool isActive)
    {
        if (!run.IsFinished) return isActive ? "active" : "stopped";
        var stop = run.Stop!;
        if (stop.TargetReturn is { } target && run.LastEvaluationMean >= target) return "finished (target reached)";
        if (stop.MaxTimesteps is { } budget && run.TrainingTimesteps >= budget) return "finished (timestep budget)";
        return "finished (generation limit)";
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
}
