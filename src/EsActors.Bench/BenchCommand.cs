using System.Globalization;
using Akka.Actor;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Node.Serialization;
using EsActors.Domain.Es;
using EsActors.Node.Optimizer;
using EsActors.Node.Configuration;
using EsActors.Node;
using EsActors.Node.Protocol;

namespace EsActors.Bench;

/// <summary>Parsed options of <c>bench</c>.</summary>
/// <param name="Nodes">Cluster sizes k to measure (default: 1 … cores, plus cores + 1; quick: 1 and 2).</param>
/// <param name="ClusterOnly">Only the raw rate and the cluster sections (1, 2, 2b–2d): for A/B runs of node settings.</param>
/// <param name="ConfigFile">HOCON file given to every node the bench starts (<c>--config</c>): cluster rows, idle nodes, the ceiling's node.</param>
public sealed record BenchOptions(string EnvironmentId, bool Quick, string? OutFile, string? Postgres, int? Population, int? PrepareGenerations = null,
    IReadOnlyList<int>? Nodes = null, bool ClusterOnly = false, string? ConfigFile = null);

/// <summary>
/// <c>bench</c>: raw single-thread env steps/s, cluster throughput and efficiency on k local node processes,
/// the update step against memory bandwidth, bytes per generation over remoting, and journal cost and resume
/// time; one Markdown report on stdout (and in <c>--out FILE</c>).
/// </summary>
public static class BenchCommand
{
    public const string RawHeader = "1. Raw rate";
    public const string ClusterHeader = "2. Cluster throughput";
    public const string CoresHeader = "2b. Where the cores went";
    public const string BarrierHeader = "2c. The generation barrier, simulated";
    public const string IdleHeader = "2d. What an idle node costs";
    public const string UpdateHeader = "3. Update step";
    public const string TrafficHeader = "4. Bytes per generation";
    public const string JournalHeader = "5. Journal";
    public const string OptimizerCeilingHeader = "6. Optimizer ceiling";
    public const string SummaryHeader = "Summary";

    /// <summary>Keeps Akka's own info lines (e.g. coordinated shutdown) out of the report on stdout.</summary>
    internal static readonly Akka.Configuration.Config Quiet = Akka.Configuration.ConfigurationFactory.ParseString(
        "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING\nakka.coordinated-shutdown.log-info = off");

    public static async Task<int> Run(BenchOptions o, CancellationToken cancellation)
    {
        if (!EnvironmentRegistry.IsKnown(o.EnvironmentId))
            throw new UserError(new UnknownEnvironmentException(o.EnvironmentId, EnvironmentRegistry.Ids).Message);
        if (o.Population is { } pop && (pop < 2 || pop % 2 != 0)) throw new UserError($"--population must be an even number ≥ 2, got {pop}");
        var postgres = o.Postgres ?? Environment.GetEnvironmentVariable("ESACTORS_TEST_POSTGRES");
        JournalTarget? pgTarget = null;
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            pgTarget = JournalTarget.Parse(postgres);
            if (!pgTarget.IsPostgres) throw new UserError("--postgres must be an Npgsql connection string (Host=...)");
        }
        if (o.PrepareGenerations is { } prep && prep < 0) throw new UserError($"--prepare-generations must be ≥ 0, got {prep}");
        if (o.Nodes is { } requested && (requested.Count == 0 || requested.Any(k => k < 1 || k > 64)))
            throw new UserError($"--nodes must list cluster sizes between 1 and 64, got {string.Join(" ", requested)}");
        if (o.ConfigFile is not null)
        {
            if (!File.Exists(o.ConfigFile)) throw new UserError($"--config file {o.ConfigFile} does not exist");
            NodeConfig.LoadFile(o.ConfigFile, "--config");
        }
        if (o.OutFile is not null)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(o.OutFile))!;
            if (!Directory.Exists(dir)) throw new UserError($"--out folder {dir} does not exist");
        }

        var cores = Environment.ProcessorCount;
        var report = new BenchReport(Console.Out);
        var work = Directory.CreateTempSubdirectory("esactors-bench-").FullName;
        var summary = new BenchTable("measure", "value");
        try
        {
            report.Write($"# EsActors bench ({(o.Quick ? "quick" : "full")}, env {o.EnvironmentId})\n\n{BenchReport.MachineDescription()}\n\n" +
                $"Timings are medians of repeated measurements on a shared machine: expect noise of 10–30 %.\n");

            // 1. Raw rate
            var raw = RawRateBench.Measure(o.EnvironmentId, TimeSpan.FromSeconds(o.Quick ? 0.3 : 1.5), o.Quick ? 3 : 5);
            report.Section(RawHeader, new BenchTable("env", "parameters", "repetitions", "steps/s (median)", "min", "max", "mean episode length")
                    .Add(raw.EnvironmentId, raw.Parameters, raw.Repetitions, Rate(raw.MedianStepsPerSecond), Rate(raw.MinStepsPerSecond), Rate(raw.MaxStepsPerSecond), raw.MeanEpisodeLength.ToString("0.0", CultureInfo.InvariantCulture)),
                "One thread, no actors: EpisodeRunner stepping the preset's network at θ₀ ± σε (ε from the noise table), episodes back to back.");
            summary.Add("raw single-thread rate", $"{Rate(raw.MedianStepsPerSecond)} steps/s");

            // 2. Cluster
            var ks = o.Nodes?.Distinct().Order().ToArray() ?? (o.Quick ? [1, 2] : Enumerable.Range(1, cores).Append(cores + 1).ToArray());
            var settings = o.Quick
                ? new ClusterBench.Settings(o.EnvironmentId, o.Population, TimeSpan.FromSeconds(2), 3, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), PrepareGenerations: 2)
                : new ClusterBench.Settings(o.EnvironmentId, o.Population, TimeSpan.FromSeconds(15), 8, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120), Warmup: 3, PrepareGenerations: o.PrepareGenerations ?? 30);
            settings = settings with { ConfigFile = o.ConfigFile is null ? null : Path.GetFullPath(o.ConfigFile) };
            var prepared = await ClusterBench.Prepare(settings, cores, work, TimeSpan.FromMinutes(10), cancellation);
            var rows = new List<ClusterResult>();
            foreach (var k in ks) rows.Add(await ClusterBench.Measure(k, settings, work, prepared, cancellation));
            // The single-thread time of exactly the generations each row measured (each generation replayed once).
            var replayed = new Dictionary<int, ReplayedGeneration>();
            string? replayProblem = null;
            foreach (var row in rows.Where(r => r.Window is not null))
            {
                var w = row.Window!;
                var missing = Enumerable.Range(w.FirstGeneration, w.Generations).Where(g => !replayed.ContainsKey(g)).ToList();
                if (missing.Count == 0) continue;
                try
                {
                    foreach (var g in await WorkReplay.Measure(JournalTarget.Parse(row.Journal), ClusterBench.RunId, missing.Min(), missing.Max() + 1, cores, cancellation))
                        replayed.TryAdd(g.Generation, g);
                }
                catch (Exception e) when (e is not OperationCanceledException) { replayProblem = e.Message.Split('\n')[0]; }
            }
            var cluster = new BenchTable("nodes k", "slots", "generations", "seconds", "env steps", "mean episode", "throughput steps/s",
                "replay steps/s (1 thread)", "efficiency", $"replay steps/s per thread ({cores} at once)", "efficiency vs loaded replay", "note");
            var coreUse = new BenchTable("nodes k", "cores", "seconds", "evaluator threads", "other threads", "idle", "env steps / evaluator CPU-second", "vs replay (1 thread)");
            foreach (var row in rows)
            {
                var (k, w) = (row.Nodes, row.Window);
                var window = w is null ? [] : Enumerable.Range(w.FirstGeneration, w.Generations).Select(g => replayed.GetValueOrDefault(g)).ToList();
                var complete = window.Count > 0 && window.All(g => g is not null);
                var replaySeconds = complete ? window.Sum(g => g!.Seconds) : double.NaN;
                var loadedSeconds = complete ? window.Sum(g => g!.LoadedSeconds) : double.NaN;
                var loadedEfficiency = w is null || !complete ? double.NaN : loadedSeconds / (Math.Min(k, cores) * w.Seconds);
                var replaySteps = complete ? window.Sum(g => g!.Steps) : 0;
                var replayRate = complete ? replaySteps / replaySeconds : double.NaN;
                var efficiency = w is null || !complete ? double.NaN : replaySeconds / (Math.Min(k, cores) * w.Seconds);
                var episodes = w is null ? double.NaN : w.Steps / (double)(w.Generations * EpisodesPerGeneration(o.EnvironmentId, o.Population));
                var note = row.Problem ?? (k > cores ? "oversubscribed; " : "") + (w is null ? "" : $"gen {w.FirstGeneration + 1}–{w.LastGeneration}");
                if (complete && replaySteps != w!.Steps) note += $"; replay counted {replaySteps} steps";
                if (complete && window.Any(g => !g!.Identical)) note += "; WARNING: replayed returns differ from the journal's";
                cluster.Add(k, k, w?.Generations, w?.Seconds.ToString("0.0", CultureInfo.InvariantCulture), w?.Steps, double.IsNaN(episodes) ? "" : episodes.ToString("0", CultureInfo.InvariantCulture),
                    Rate(w?.StepsPerSecond ?? double.NaN), complete ? Rate(replayRate) : "n/a", Efficiency(efficiency),
                    complete ? Rate(replaySteps / loadedSeconds) : "n/a", Efficiency(loadedEfficiency), note);
                if (w is not null) summary.Add($"cluster k={k}", $"{Rate(w.StepsPerSecond)} steps/s, efficiency {Efficiency(efficiency)} ({Efficiency(loadedEfficiency)} vs the loaded replay)");
                if (w is not null && row.Cores is { } c)
                {
                    var perCpuSecond = c.EvaluatorSeconds > 0 ? w.StepsPerSecond * c.Seconds / c.EvaluatorSeconds : double.NaN;
                    coreUse.Add(k, c.Cores, c.Seconds.ToString("0.0", CultureInfo.InvariantCulture), Percent1(c.EvaluatorShare), Percent1(c.OtherShare), Percent1(c.IdleShare),
                        Rate(perCpuSecond), Efficiency(perCpuSecond / replayRate));
                }
                else if (w is not null) coreUse.Add(k, Math.Min(k, cores), "", "n/a", "n/a", "n/a", "n/a", "n/a");
            }
            var identical = replayed.Count > 0 && replayed.Values.All(g => g.Identical);
            report.Section(ClusterHeader, cluster,
                $"The first {settings.PrepareGenerations} generations are trained once (one node, {cores} slots); every row resumes that run with k local processes: " +
                $"`train --slots 1` (seed) + k−1 `worker --slots 1`, population {(o.Population?.ToString(CultureInfo.InvariantCulture) ?? "from the preset")}. " +
                $"Throughput = Δ(total env steps) / Δ(arrival time of progress lines) once all k slots take part (after {settings.Warmup} warm-up generations). " +
                "The physical limit of that very work: afterwards the window's generations are rebuilt from the row's journal and every episode is stepped again on one thread " +
                $"(no actors, no messages; replay steps/s); efficiency = replay time / (min(k, {cores}) × window time). The replay is then repeated on {cores} threads at once, " +
                "each stepping every episode (the machine fully loaded: shared caches, memory bandwidth and clock); the last efficiency is against that per-thread time. " +
                (replayed.Count == 0 ? "" : identical ? "Every replayed return is bit-identical to the journal's. " : "WARNING: some replayed returns differ from the journal's. ") +
                (replayProblem is null ? "" : $"Replay failed: {replayProblem}."));

            report.Section(CoresHeader, coreUse,
                "CPU time of the row's node processes over its window (from /proc; Linux only), as a share of the cores used × seconds. " +
                "Evaluator threads step the episodes (their time includes brief spin-waits between batches); other threads are the optimizer, " +
                "replicas, remoting, journal and runtime, and take cores the evaluators could use; idle is what is left, mostly waits at the " +
                "generation barrier (with fewer processes than cores, other threads also run on the spare cores, so shares can add up to more than 100 %). " +
                "Env steps per evaluator CPU-second against the single-thread replay shows how much slower episodes step while the machine is shared " +
                "(caches, memory bandwidth, clock).");

            // 2c. The same generations scheduled on paper: the barrier's cost without the machine's noise.
            var dispatchConfig = DispatchSettings.From(NodeConfig.RunSettings(o.EnvironmentId, o.ConfigFile));
            var barrier = new BenchTable("nodes k", "generations", "batches / generation", "scheduling alone, split tail on", "split tail off", "backups on / off",
                "with message delays (split on)", "measured idle (2b)");
            foreach (var row in rows.Where(r => r.Window is not null))
            {
                var w = row.Window!;
                var window = Enumerable.Range(w.FirstGeneration, w.Generations).Select(g => replayed.GetValueOrDefault(g)).ToList();
                if (window.Count == 0 || window.Any(g => g is null)) continue;
                var costs = window.Select(g => g!.Costs()).ToList();
                var scheduling = new DispatchSimulation.Settings(row.Nodes, dispatchConfig.BatchesPerSlot, dispatchConfig.BatchesInFlightPerSlot, dispatchConfig.BackupAfter,
                    dispatchConfig.MinBatchTime.TotalSeconds, SplitTail: true, Latency: 0, TickSeconds: dispatchConfig.TickInterval.TotalSeconds);
                var split = DispatchSimulation.Run(window[0]!.Run, costs, scheduling);
                var whole = DispatchSimulation.Run(window[0]!.Run, costs, scheduling with { SplitTail = false });
                var delayed = DispatchSimulation.Run(window[0]!.Run, costs, scheduling with
                    { Latency = RemoteLatency.TotalSeconds, LocalSlots = 1, LocalLatency = LocalLatency.TotalSeconds });
                barrier.Add(row.Nodes, w.Generations, (split.Batches / (double)w.Generations).ToString("0.0", CultureInfo.InvariantCulture),
                    Percent1(split.IdleShare), Percent1(whole.IdleShare), $"{split.Backups} / {whole.Backups}", Percent1(delayed.IdleShare),
                    row.Cores is { } c ? Percent1(c.IdleShare) : "n/a");
                if (row.Nodes == Math.Min(2, cores))
                    summary.Add($"barrier k={row.Nodes}, simulated", $"idle {Percent1(split.IdleShare)} from scheduling (split tail off: {Percent1(whole.IdleShare)}), {Percent1(delayed.IdleShare)} with message delays");
            }
            report.Section(BarrierHeader, barrier,
                "Each row's generations scheduled again on paper (DispatchSimulation: the optimizer's own dispatch rule and settings, one slot per node, " +
                "each episode taking its journal length × the replay's time per step). Idle = slot time not spent on useful episodes (the generation's tail, " +
                "waits for messages, duplicate backup work). *Scheduling alone* has instant messages: the loss no faster network or runtime can remove. " +
                $"*With message delays* every message to or from the optimizer's own node takes {LocalLatency.TotalMilliseconds:0.00} ms and to or from another node " +
                $"{RemoteLatency.TotalMilliseconds:0.0} ms (loopback between two busy processes, docs/scaling.md). No machine noise, so scheduling choices can be compared " +
                "here even when their effect is below the run-to-run spread of section 2.");

            // 2d. The cost of merely being in a cluster, with the shipped settings and with Akka's default timer tick.
            var idle = new BenchTable("configuration", "CPU per idle node (share of one core)", "note");
            var akkaDefaultTick = Path.Combine(work, "akka-default-tick.conf");
            File.WriteAllText(akkaDefaultTick, "akka.scheduler.tick-duration = 10ms\n");
            var idleWindow = TimeSpan.FromSeconds(o.Quick ? 3 : 15);
            foreach (var (name, file) in new[] { (o.ConfigFile is null ? "shipped (hocon/)" : "with --config", o.ConfigFile), ("Akka's default tick-duration = 10ms", akkaDefaultTick) })
            {
                var (share, problem) = await ClusterBench.MeasureIdle(file is null ? null : Path.GetFullPath(file), TimeSpan.FromSeconds(o.Quick ? 2 : 5), idleWindow, work, cancellation);
                idle.Add(name, share is { } v ? Percent1(v) : "n/a", problem ?? "");
                if (share is { } measured && file == o.ConfigFile) summary.Add("idle node", $"{Percent1(measured)} of a core");
            }
            report.Section(IdleHeader, idle,
                $"Two `worker` processes in a cluster with no run: their CPU over {idleWindow.TotalSeconds:0} s once both are Up, per node. Every node pays this " +
                "whatever it evaluates (timers, gossip, heartbeats, and the thread-pool wake-ups they cause), out of the evaluators' cores. " +
                "Akka's scheduler wakes every tick even when nothing is due; every timer here is 250 ms or longer, so hocon/cluster.conf ticks every 100 ms.");

            if (o.ClusterOnly)
            {
                Finish(report, summary, o.OutFile);
                return 0;
            }

            // 3. Update step
            var update = UpdateStepBench.Measure(100_000, 100, o.Quick ? 64L << 20 : 256L << 20, o.Quick ? 3 : 9);
            report.Section(UpdateHeader, new BenchTable("operation", "d", "n", "median time", "GB/s", "vs copy")
                    .Add("EsGradient.Estimate", update.Parameters, update.Slices, Ms(update.EstimateSeconds), Gb(update.EstimateGBps), Percent(update.EstimateGBps / update.CopyGBps))
                    .Add("RunLogic.Apply (ranks, gradient, decay, Adam)", update.Parameters, update.Slices, Ms(update.ApplySeconds), Gb(update.ApplyGBps), Percent(update.ApplyGBps / update.CopyGBps))
                    .Add($"Span.CopyTo of {update.CopyBytes >> 20} MiB", "", "", Ms(update.CopySeconds), Gb(update.CopyGBps), "100 %"),
                "GB/s = n·d·4 bytes of noise read / time (one thread); the copy row counts bytes copied (each read once and written once).");
            summary.Add("update step (d=100k, n=100)", $"{Ms(update.ApplySeconds)}; gradient {Gb(update.EstimateGBps)} GB/s = {Percent(update.EstimateGBps / update.CopyGBps)} of copy bandwidth");

            // 4. Bytes per generation
            var dispatch = DispatchSettings.From(NodeConfig.RunSettings(o.EnvironmentId, null));
            const int nodes = 4;
            var traffic = new BenchTable("population P", "parameters d", "messages", "SeedBatch bytes", "BatchResult bytes", "catch-up bytes", "total / generation", "bytes / episode");
            var totals = new Dictionary<int, HashSet<long>>();
            var system = ActorSystem.Create("esbench-traffic", Quiet.WithFallback(NodeConfig.BuildLocal(JournalTarget.Parse(Path.Combine(work, "unused.db")))));
            try
            {
                var serializer = new EsSerializer((ExtendedActorSystem)system);
                foreach (var population in new[] { 64, 256, 1024 })
                foreach (var d in new[] { 1_000, 100_000, 1_000_000 })
                {
                    var size = GenerationTraffic.Measure(serializer.ToBinary, population, d, nodes, 1, dispatch.BatchesPerSlot);
                    traffic.Add(population, size.Parameters, size.Messages, size.SeedBatchBytes, size.BatchResultBytes, size.CatchUpBytes, size.TotalBytes,
                        (size.TotalBytes / (double)population).ToString("0.0", CultureInfo.InvariantCulture));
                    (totals.TryGetValue(population, out var set) ? set : totals[population] = new HashSet<long>()).Add(size.TotalBytes);
                }
            }
            finally { await system.Terminate().WaitAsync(TimeSpan.FromSeconds(30)); }
            report.Section(TrafficHeader, traffic,
                $"EsSerializer sizes of one generation's messages: {nodes} nodes × 1 slot × {dispatch.BatchesPerSlot} batches per slot pair batches + 1 evaluation batch " +
                "(SeedBatch out, BatchResult back), plus one GetGenerations/GenerationsReply per node (replica catch-up). θ never travels: " +
                (totals.Values.All(s => s.Count == 1) ? "the totals do not change with d." : "WARNING: the totals change with d."));
            summary.Add("bytes per generation", string.Join(", ", totals.OrderBy(kv => kv.Key).Select(kv => $"P={kv.Key}: {BenchStats.Bytes(kv.Value.Max())}")) + " (any d)");

            // 5. Journal
            var journal = new BenchTable("journal", "events", "ms / persisted generation (median)", "p90", "mean", "payload bytes / event", "db bytes / event",
                "run generations", "write run s", "snapshot bytes", "resume ms (snapshot + replay)", "replayed", "full replay ms", "replayed (full)");
            var backends = new List<(string Name, JournalTarget Target)> { ("SQLite (temp file)", JournalTarget.Parse(Path.Combine(work, "journal-bench.db"))) };
            if (pgTarget is not null) backends.Add(("PostgreSQL", pgTarget));
            var events = o.Quick ? 50 : 200;
            var runGenerations = o.Quick ? 1_000 : 10_000;
            foreach (var (name, target) in backends)
            {
                try
                {
                    var j = await JournalBench.Measure(name, target, o.EnvironmentId, events, runGenerations, o.Quick ? 2 : 3);
                    journal.Add(j.Backend, j.Events, j.MedianPersistMs.ToString("0.00", CultureInfo.InvariantCulture), j.P90PersistMs.ToString("0.00", CultureInfo.InvariantCulture),
                        j.MeanPersistMs.ToString("0.00", CultureInfo.InvariantCulture), j.EventPayloadBytes, j.DatabaseBytesPerEvent?.ToString("0", CultureInfo.InvariantCulture) ?? "n/a",
                        j.RunGenerations, j.WriteRunSeconds.ToString("0.0", CultureInfo.InvariantCulture), j.SnapshotBytes,
                        j.ResumeMs.ToString("0", CultureInfo.InvariantCulture), j.ResumeReplayed, j.FullReplayMs.ToString("0", CultureInfo.InvariantCulture), j.FullReplayed);
                    summary.Add($"journal {name}", $"{j.MedianPersistMs:0.00} ms/generation, {j.EventPayloadBytes} B/event; resume of {j.RunGenerations} generations {j.ResumeMs:0} ms (full replay {j.FullReplayMs:0} ms)");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    journal.Add(name, "failed", e.GetType().Name + ": " + e.Message.Split('\n')[0], "", "", "", "", "", "", "", "", "", "", "");
                }
            }
            report.Section(JournalHeader, journal,
                $"A test persistent actor with the node's persistence config persists {events} GenerationCompleted events (population 64, {o.EnvironmentId} network) one at a time, as the optimizer does. " +
                $"Then a run of {runGenerations} generations is written (PersistAll in chunks, RunState snapshot every 20) and a fresh actor with the same persistence id recovers it: " +
                "latest snapshot + replay of the events after it (through RunLogic.Apply), and a full replay without snapshots. Medians of repeated recoveries." +
                (pgTarget is null ? " PostgreSQL: not measured (pass --postgres \"Host=...\" or set ESACTORS_TEST_POSTGRES)." : ""));

            // 6. Optimizer ceiling
            var ceilingSettings = (o.Quick ? OptimizerCeilingBench.Settings.Quick : OptimizerCeilingBench.Settings.Full) with { ConfigFile = settings.ConfigFile };
            var ceiling = new BenchTable("slots S", "population P", "snapshot-every", "batches / generation", "generations", "seconds", "generations/s", "BatchResult/s", "pair results/s", "note");
            foreach (var c in await OptimizerCeilingBench.Measure(ceilingSettings, work, cancellation))
            {
                ceiling.Add(c.Slots, c.Population, c.SnapshotEvery, c.BatchesPerGeneration, c.Generations, c.Seconds.ToString("0.0", CultureInfo.InvariantCulture),
                    Rate(c.GenerationsPerSecond), Rate(c.BatchResultsPerSecond), Rate(c.PairResultsPerSecond), c.Problem ?? "");
                if (c.Problem is null && c.SnapshotEvery == ceilingSettings.SnapshotEvery[0])
                    summary.Add($"optimizer ceiling S={c.Slots} P={c.Population}", $"{Rate(c.GenerationsPerSecond)} generations/s, {Rate(c.PairResultsPerSecond)} pair results/s");
            }
            report.Section(OptimizerCeilingHeader, ceiling,
                $"One OptimizerActor on a one-node cluster advertising S evaluator slots, all answered by one actor that returns synthetic returns instantly " +
                $"(CartPole-v1 network, {OptimizerCeilingBench.Settings.Quick.Warmup} warm-up generations, then up to {ceilingSettings.Budget.TotalSeconds:0} s per cell; " +
                "batches-per-slot from the config, no backups). The SQLite journal is in the loop (one PersistAsync per generation, a RunState snapshot every snapshot-every generations); " +
                "no environment is stepped, so this is the most a run can get from the optimizer, whatever the evaluators.");

            Finish(report, summary, o.OutFile);
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(work, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>One-way message delays assumed by the barrier simulation, within the optimizer's node and to another process on loopback.</summary>
    private static readonly TimeSpan LocalLatency = TimeSpan.FromMilliseconds(0.05), RemoteLatency = TimeSpan.FromMilliseconds(0.5);

    private static void Finish(BenchReport report, BenchTable summary, string? outFile)
    {
        report.Section(SummaryHeader, summary);
        if (outFile is null) return;
        File.WriteAllText(outFile, report.Markdown);
        Console.WriteLine($"\nwrote {Path.GetFullPath(outFile)}");
    }

    private static int EpisodesPerGeneration(string environmentId, int? population)
    {
        var (run, _) = RunSettings.Build(environmentId, NodeConfig.RunSettings(environmentId, null), new RunOverrides(Population: population));
        return 2 * run.Pairs + run.EvaluationEpisodes;
    }

    private static string Rate(double value) => BenchStats.Si(value);
    private static string Ms(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:0.00} ms");
    private static string Gb(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
    private static string Efficiency(double fraction) => double.IsNaN(fraction) ? "n/a" : fraction.ToString("0.000", CultureInfo.InvariantCulture);
    private static string Percent1(double fraction) => double.IsNaN(fraction) ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:0.0} %");
    private static string Percent(double fraction) => double.IsNaN(fraction) ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{fraction * 100:0} %");
}
