using EsActors.Domain.Runs;
using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using EsActors.Node.Protocol;
using EsActors.Domain.Es;
using EsActors.Domain.Scheduling;
using EsActors.Node.Optimizer;
using EsActors.Node.Configuration;
using AkkaCluster = Akka.Cluster.Cluster;

namespace EsActors.Bench;

/// <summary>One cell of the optimizer-ceiling table, measured over the window after the warm-up generations.</summary>
public sealed record OptimizerCeilingCell(
    int Slots, int Population, int SnapshotEvery, int BatchesPerGeneration, int Generations, double Seconds, long BatchResults, long PairResults, string? Problem)
{
    public double GenerationsPerSecond => Seconds > 0 ? Generations / Seconds : double.NaN;
    public double BatchResultsPerSecond => Seconds > 0 ? BatchResults / Seconds : double.NaN;
    public double PairResultsPerSecond => Seconds > 0 ? PairResults / Seconds : double.NaN;
}

/// <summary>
/// The optimizer alone: a real <see cref="OptimizerActor"/> (with its SQLite journal) on a one-node cluster whose
/// <c>slots-N</c> role advertises S evaluator slots, all served by one actor that answers every
/// <see cref="SeedBatch"/> at once with synthetic returns. No environment is stepped, so the generations/s and
/// results/s it sustains are the ceiling that dispatch, assembly, the update and the journal put on a run.
/// </summary>
public static class OptimizerCeilingBench
{
    /// <param name="Cells">(slots, population) pairs; one actor system per distinct slot count.</param>
    /// <param name="SnapshotEvery">snapshot-every values measured for every cell (the run default is 20).</param>
    /// <param name="Budget">measuring time per cell, after the warm-up.</param>
    /// <param name="MaxGenerations">measuring stops earlier once this many generations are done.</param>
    /// <param name="ConfigFile">HOCON for the one-node cluster (the bench's <c>--config</c>).</param>
    public sealed record Settings(
        IReadOnlyList<(int Slots, int Population)> Cells, IReadOnlyList<int> SnapshotEvery, TimeSpan Budget, int MaxGenerations, int Warmup = 2,
        string? ConfigFile = null)
    {
        public static Settings Quick => new([(8, 64)], [20], TimeSpan.FromSeconds(1), 2_000);

        public static Settings Full => new(
            [(8, 64), (8, 1024), (64, 64), (64, 1024), (256, 64), (256, 1024)], [20, 1_000_000], TimeSpan.FromSeconds(3), 100_000);
    }

    public const string EnvironmentId = "CartPole-v1";

    public static async Task<IReadOnlyList<OptimizerCeilingCell>> Measure(Settings settings, string workDirectory, CancellationToken cancellation)
    {
        var cells = new List<OptimizerCeilingCell>();
        foreach (var group in settings.Cells.GroupBy(c => c.Slots))
        {
            var slots = group.Key;
            var journal = Path.Combine(workDirectory, $"ceiling-{slots}-{Guid.NewGuid():N}.db");
            var config = BenchCommand.Quiet.WithFallback(NodeConfig.Build(new NodeOptions("127.0.0.1", 0, [], slots, JournalTarget.Parse(journal), EnvironmentId, settings.ConfigFile,
                ExtraHocon: """
                    esactors.dispatch.backup-after = 0
                    esactors.run.noise-table-size = 65536
                    akka.log-dead-letters = off
                    akka.log-dead-letters-during-shutdown = off
                    """)));
            var system = ActorSystem.Create(NodeOptions.SystemName, config);
            try
            {
                var cluster = AkkaCluster.Get(system);
                cluster.Join(cluster.SelfAddress);
                var joined = Stopwatch.StartNew();
                while (cluster.SelfMember.Status != MemberStatus.Up)
                {
                    if (joined.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the one-node cluster did not come Up within 30 s");
                    await Task.Delay(20, cancellation);
                }
                var dispatch = DispatchSettings.From(config);
                var counters = new Counters();
                var evaluators = system.ActorOf(Props.Create(() => new InstantEvaluator(counters)), "instant-evaluators");
                foreach (var (_, population) in group)
                foreach (var snapshotEvery in settings.SnapshotEvery)
                {
                    cancellation.ThrowIfCancellationRequested();
                    cells.Add(await MeasureCell(system, config, dispatch, evaluators, counters, slots, population, snapshotEvery, settings, cancellation));
                }
            }
            finally
            {
                await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            }
        }
        return cells;
    }

    private static async Task<OptimizerCeilingCell> MeasureCell(ActorSystem system, Config config, DispatchSettings dispatch, IActorRef evaluators, Counters counters,
        int slots, int population, int snapshotEvery, Settings settings, CancellationToken cancellation)
    {
        var runId = $"ceiling-s{slots}-p{population}-k{snapshotEvery}-{Guid.NewGuid():N}";
        var runConfig = ConfigurationFactory.ParseString($"esactors.run.snapshot-every = {snapshotEvery}").WithFallback(config);
        var (definition, stop) = RunSettings.Build(EnvironmentId, runConfig,
            new RunOverrides(Population: population, Generations: settings.Warmup + settings.MaxGenerations, TargetReturn: 1e18));
        // Instant evaluators report no evaluation time, so batches keep their minimum size of one pair and the last
        // single pairs are split in halves (see GenerationWork); counted on generation 0.
        var batchesPerGeneration = new GenerationWork(definition, PerturbationPlan.For(definition, 0, RunLogic.NoiseFor(definition)),
            slots * dispatch.BatchesPerSlot, slots).Batches.Count;
        var timeout = TimeSpan.FromSeconds(30);
        var optimizer = system.ActorOf(OptimizerActor.Props(runId, dispatch, evaluators, null), runId);
        try
        {
            var answer = await optimizer.Ask<object>(new StartRunRequest(runId, definition, stop), timeout, cancellation);
            if (answer is RunRejected rejected) return Failed($"rejected: {rejected.Reason}");

            // Warm-up: the optimizer learns the slots from the cluster, then runs a few generations (JIT, journal tables).
            var clock = Stopwatch.StartNew();
            RunStatus status;
            while (true)
            {
                status = await optimizer.Ask<RunStatus>(new GetRunStatus(), timeout, cancellation);
                if (status.Failure is not null) return Failed("the optimizer failed during warm-up");
                if (status.Generation >= settings.Warmup) break;
                if (clock.Elapsed > timeout) return Failed($"only {status.Generation} generations in {timeout.TotalSeconds:0} s of warm-up");
                await Task.Delay(10, cancellation);
            }

            // Counters first, then the generation: a pause of this thread between the two reads (a loaded test
            // runner) then only adds answers to the window, never generations without their answers.
            var (startBatches, startPairs) = counters.Read();
            status = await optimizer.Ask<RunStatus>(new GetRunStatus(), timeout, cancellation);
            var startGeneration = status.Generation;
            var window = Stopwatch.StartNew();
            var last = Math.Min(stop.MaxGenerations, startGeneration + settings.MaxGenerations);
            while (window.Elapsed < settings.Budget)
            {
                await Task.Delay(20, cancellation);
                status = await optimizer.Ask<RunStatus>(new GetRunStatus(), timeout, cancellation);
                if (status.Failure is not null || status.Generation >= last) break;
            }
            var seconds = window.Elapsed.TotalSeconds;
            var (endBatches, endPairs) = counters.Read();
            return new OptimizerCeilingCell(slots, population, snapshotEvery, batchesPerGeneration, status.Generation - startGeneration, seconds,
                endBatches - startBatches, endPairs - startPairs, status.Failure is not null ? "the optimizer failed" : null);
        }
        finally
        {
            try { await optimizer.GracefulStop(timeout); }
            catch (TaskCanceledException) { }
        }

        OptimizerCeilingCell Failed(string problem) =>
            new(slots, population, snapshotEvery, batchesPerGeneration, 0, 0, 0, 0, problem);
    }

    /// <summary>Answers counted by the instant evaluator; read from the bench thread.</summary>
    private sealed class Counters
    {
        private long _batches, _episodes;

        public void Add(int trainingEpisodes)
        {
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _episodes, trainingEpisodes);
        }

        /// <summary>Batches answered, and pairs answered (a split pair's two halves count as one).</summary>
        public (long Batches, long Pairs) Read() => (Interlocked.Read(ref _batches), Interlocked.Read(ref _episodes) / 2);
    }

    /// <summary>
    /// Every evaluator slot at once: answers each <see cref="SeedBatch"/> to its sender (the optimizer) with finite
    /// returns derived from the item index, episodes of 100 steps and no observation statistics.
    /// </summary>
    private sealed class InstantEvaluator : ReceiveActor
    {
        public InstantEvaluator(Counters counters)
        {
            Receive<SeedBatch>(batch =>
            {
                var items = new ItemOutcome[batch.Items.Length];
                var episodes = 0;
                for (var i = 0; i < items.Length; i++)
                {
                    var item = batch.Items[i];
                    // CartPole's possible returns (1 per step: the return is the length); an unrun half of a split pair is 0.
                    var evaluation = 20 + item.Index % 97;
                    if (item.IsEvaluation) items[i] = new ItemOutcome(item.Index, true, PairHalf.Both, evaluation, 0, evaluation, 0, null);
                    else
                    {
                        episodes += item.Half == PairHalf.Both ? 2 : 1; // a split half is one episode
                        var positive = item.Half.RunsPositive() ? 10 + (item.Index * 7 + batch.Generation) % 101 : 0;
                        var negative = item.Half.RunsNegative() ? 10 + (item.Index * 13 + batch.Generation) % 89 : 0;
                        items[i] = new ItemOutcome(item.Index, false, item.Half, positive, negative, positive, negative, null);
                    }
                }
                counters.Add(episodes);
                Sender.Tell(new BatchResult(batch.EvaluatorId, batch.RunId, batch.Generation, batch.BatchId, batch.Attempt, "instant", items, 0));
            });
        }
    }
}
