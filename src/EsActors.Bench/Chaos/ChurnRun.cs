using System.Diagnostics;
using System.Globalization;
using EsActors.Node;
using EsActors.Node.Configuration;

namespace EsActors.Bench.Chaos;

/// <summary>Parsed options of <c>churn</c>.</summary>
/// <param name="OptimizerKillAt">When the optimizer's node is killed (once), measured from the first generation.</param>
public sealed record ChurnOptions(TimeSpan Duration, TimeSpan Interval, string Journal, int StableWorkers, int ChurnedWorkers, TimeSpan OptimizerKillAt, string WorkDirectory);

/// <summary>One minute of a churn run: generations done in it and the slots that were up (sampled every 200 ms).</summary>
public sealed record ChurnMinute(int Minute, int Generations, double MeanSlotsUp);

/// <summary>Resident memory of the long-lived nodes (never killed) at one moment.</summary>
public sealed record MemorySample(double Seconds, IReadOnlyList<long> ResidentKiB);

/// <summary>What a churn run measured.</summary>
public sealed record ChurnReport(
    int Kills, int Starts, double? OptimizerKilledAtSeconds, int Generations, bool Complete, int OptimizerIncarnations,
    double LongestGapSeconds, double LongestGapAfterOptimizerKillSeconds, double LongestGapElsewhereSeconds, double MedianGenerationSeconds, double BoundSeconds,
    IReadOnlyList<ChurnMinute> Minutes, IReadOnlyList<MemorySample> Memory, string? Problem)
{
    public bool Passed => Problem is null && Complete && LongestGapSeconds <= BoundSeconds;
}

/// <summary>
/// Liveness under churn: a real cluster of node processes (train node, long-lived workers, churned workers) on
/// loopback trains a long Pendulum run while, every interval, the oldest churned worker is killed with SIGKILL and a
/// new one started; once, the optimizer's node is killed. It measures the gaps between generations (which must stay
/// below failure detection + handover + one generation), generations per minute against the slots up, and the
/// resident memory of the long-lived workers. The journal must hold one event per generation, none twice.
/// </summary>
public static class ChurnRun
{
    public static async Task<ChurnReport> Run(ChurnOptions o, TextWriter log, CancellationToken cancellation)
    {
        if (o.Duration < TimeSpan.FromSeconds(30)) throw new UserError($"--minutes must give at least 30 s of churn, got {o.Duration.TotalSeconds:0} s");
        if (o.Interval < TimeSpan.FromSeconds(1)) throw new UserError($"--interval must be at least 1 s, got {o.Interval.TotalSeconds} s");
        if (o.StableWorkers < 2) throw new UserError($"--stable-workers must be at least 2 (a majority must survive the optimizer's node), got {o.StableWorkers}");
        if (o.ChurnedWorkers < 1) throw new UserError($"--churned-workers must be at least 1, got {o.ChurnedWorkers}");
        var journal = JournalTarget.Parse(o.Journal);
        journal.ValidateBeforeStart();
        var work = Path.Combine(o.WorkDirectory, "churn");
        Directory.CreateDirectory(work);
        var config = Path.Combine(work, "churn.conf");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"akka.cluster.failure-detector.acceptable-heartbeat-pause = {ShippedTimings.AcceptableHeartbeatPause}s\n"), cancellation);
        var runId = $"churn-{Guid.NewGuid():N}"[..24];
        var journalArgument = journal.IsPostgres ? journal.ConnectionString : journal.SqlitePath!;
        var watch = new JournalWatch(journal, runId);

        var all = new List<NodeProcess>();
        var live = new List<NodeProcess>();
        var churned = new Queue<NodeProcess>();
        var stable = new List<NodeProcess>();
        var next = 1;
        NodeProcess StartWorker(string kind)
        {
            // A worker joins through up to three live long-lived nodes (never a churned one: it may be dead by then).
            var contacts = live.Where(p => !p.HasExited && !p.Name.StartsWith("churned", StringComparison.Ordinal)).Take(3).Select(p => $"127.0.0.1:{p.Port}").ToList();
            var port = ChaosRun.FreePort();
            var p = NodeProcess.Start($"{kind} {next++}", port,
                ["worker", "--seed-nodes", .. contacts, "--journal", journalArgument, "--slots", "1", "--port", port.ToString(CultureInfo.InvariantCulture), "--config", config], work);
            all.Add(p);
            live.Add(p);
            return p;
        }

        try
        {
            var trainPort = ChaosRun.FreePort();
            var train = NodeProcess.Start("train", trainPort,
                ["train", "--env", "Pendulum-v1", "--run-id", runId, "--out", Path.Combine(work, "out"), "--journal", journalArgument,
                    "--generations", "1000000", "--population", "1000", "--target-return", "0", "--seed", "17", "--slots", "1",
                    "--port", trainPort.ToString(CultureInfo.InvariantCulture), "--config", config], work);
            all.Add(train);
            live.Add(train);
            for (var i = 0; i < o.StableWorkers; i++) stable.Add(StartWorker("stable"));
            for (var i = 0; i < o.ChurnedWorkers; i++) churned.Enqueue(StartWorker("churned"));

            // The clock starts at the first generation: start-up (JIT, joining) is not churn's cost.
            var startDeadline = Stopwatch.StartNew();
            while ((await watch.Read(cancellation)).Generations == 0)
            {
                if (startDeadline.Elapsed > TimeSpan.FromMinutes(3)) return Failed("no generation within 3 minutes of the start");
                await Task.Delay(200, cancellation);
            }
            log.WriteLine($"churn: run {runId}, train + {o.StableWorkers} long-lived + {o.ChurnedWorkers} churned workers; a churned worker killed and replaced every {o.Interval.TotalSeconds:0.#} s for {o.Duration.TotalMinutes:0.#} min; the optimizer's node killed at {o.OptimizerKillAt.TotalSeconds:0} s");

            var clock = Stopwatch.StartNew();
            var progress = new List<(double Seconds, int Generations)>();
            var slotSamples = new List<(double Seconds, int Slots)>();
            var memory = new List<MemorySample>();
            var lastChurn = TimeSpan.Zero;
            var lastMemory = TimeSpan.FromSeconds(-60);
            double? optimizerKilledAt = null;
            int kills = 0, starts = 0;
            var counts = new JournalCounts(0, 0, 0, 0, 0);
            while (clock.Elapsed < o.Duration)
            {
                cancellation.ThrowIfCancellationRequested();
                counts = await watch.Read(cancellation);
                var now = clock.Elapsed;
                if (progress.Count == 0 || counts.Generations > progress[^1].Generations) progress.Add((now.TotalSeconds, counts.Generations));
                live.RemoveAll(p => p.HasExited);
                slotSamples.Add((now.TotalSeconds, live.Count));
                if (now - lastMemory >= TimeSpan.FromSeconds(10))
                {
                    memory.Add(new MemorySample(now.TotalSeconds, stable.Select(p => p.HasExited ? 0 : ResidentKiB(p.Pid)).ToList()));
                    lastMemory = now;
                }
                if (optimizerKilledAt is null && now >= o.OptimizerKillAt && ChaosRun.OptimizerHost(live, runId) is { } host)
                {
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {now.TotalSeconds,6:0.0} s  kill -9 the optimizer's node: {host.Name} (pid {host.Pid})"));
                    host.Kill9();
                    live.Remove(host);
                    optimizerKilledAt = now.TotalSeconds;
                }
                if (now - lastChurn >= o.Interval)
                {
                    var victim = churned.Dequeue();
                    victim.Kill9();
                    live.Remove(victim);
                    kills++;
                    churned.Enqueue(StartWorker("churned"));
                    starts++;
                    lastChurn = now;
                }
                await Task.Delay(200, cancellation);
            }
            var wall = clock.Elapsed.TotalSeconds;
            counts = await watch.Read(cancellation);
            // The end is a point too: a stall that lasts to the end of the churn is the longest gap of all.
            progress.Add((wall, Math.Max(counts.Generations, progress[^1].Generations)));
            foreach (var p in all) p.Dispose();
            for (var i = 0; i < all.Count; i++) all[i].SaveLog(Path.Combine(work, $"{i:000}-{all[i].Name.Replace(' ', '-')}-{all[i].Port}.log"));
            counts = await watch.Read(cancellation);
            var complete = counts.Events == counts.DistinctSequenceNumbers && counts.MaxSequenceNumber == counts.Events;

            var steps = progress.Zip(progress.Skip(1), (a, b) => (At: a.Seconds, Seconds: b.Seconds - a.Seconds, Generations: b.Generations - a.Generations)).ToList();
            var perGeneration = steps.Count > 0 ? BenchStats.Median(steps.Select(s => s.Seconds / Math.Max(1, s.Generations)).ToList()) : 0;
            var longest = steps.Count > 0 ? steps.Max(s => s.Seconds) : wall;
            bool AfterKill((double At, double Seconds, int Generations) s) =>
                optimizerKilledAt is { } k && s.At <= k + 1 && s.At + s.Seconds >= k;
            var afterKill = steps.Where(AfterKill).Select(s => s.Seconds).DefaultIfEmpty(0).Max();
            var elsewhere = steps.Where(s => !AfterKill(s)).Select(s => s.Seconds).DefaultIfEmpty(0).Max();
            // The bound, from the shipped timings: the dead node's removal (detection, the Split Brain Resolver's
            // decision, the leader's removal), the decision once more (under churn another node becomes unreachable
            // meanwhile and resets it), the removal margin before a singleton starts elsewhere (stable-after),
            // starting the host and recovering the optimizer (~1 s), and one generation.
            var bound = ShippedTimings.RemovalSeconds(ShippedTimings.AcceptableHeartbeatPause) + 2 * ShippedTimings.StableAfter
                        + 1 + Math.Max(1, perGeneration);
            var minutes = new List<ChurnMinute>();
            for (var m = 0; m < Math.Ceiling(wall / 60); m++)
            {
                double from = m * 60, to = Math.Min(wall, from + 60);
                var atStart = progress.LastOrDefault(p => p.Seconds <= from).Generations;
                var atEnd = progress.LastOrDefault(p => p.Seconds <= to).Generations;
                var slots = slotSamples.Where(s => s.Seconds >= from && s.Seconds < to).Select(s => (double)s.Slots).DefaultIfEmpty(0).Average();
                minutes.Add(new ChurnMinute(m + 1, atEnd - atStart, slots));
            }
            string? problem = optimizerKilledAt is null ? "the optimizer's node was never killed: give the run more --minutes" : null;
            return new ChurnReport(kills, starts, optimizerKilledAt, counts.Generations, complete, counts.Writers, longest, afterKill, elsewhere, perGeneration, bound, minutes, memory, problem);
        }
        finally
        {
            foreach (var p in all) p.Dispose();
        }

        static ChurnReport Failed(string problem) => new(0, 0, null, 0, false, 0, 0, 0, 0, 0, 0, [], [], problem);
    }

    /// <summary>VmRSS of a process, from /proc (0 if it is gone).</summary>
    private static long ResidentKiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return 0; }
    }

    public static void Print(ChurnReport r, TextWriter log)
    {
        string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
        log.WriteLine($"churned workers killed: {r.Kills}, started: {r.Starts}; optimizer's node killed at: {(r.OptimizerKilledAtSeconds is { } k ? F(k) + " s" : "never")}");
        log.WriteLine($"generations: {r.Generations}; complete (one event per generation, none twice): {(r.Complete ? "yes" : "NO")}; optimizer incarnations that wrote: {r.OptimizerIncarnations}");
        log.WriteLine($"longest gap without a generation: {F(r.LongestGapSeconds)} s (bound: failure detection + handover + one generation = {F(r.BoundSeconds)} s); " +
                      $"after the optimizer's node was killed: {F(r.LongestGapAfterOptimizerKillSeconds)} s; elsewhere: {F(r.LongestGapElsewhereSeconds)} s; median {r.MedianGenerationSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s per generation");
        log.WriteLine("minute | generations | mean nodes up (1 slot each) | generations per node-minute");
        foreach (var m in r.Minutes)
            log.WriteLine($"{m.Minute,6} | {m.Generations,11} | {F(m.MeanSlotsUp),27} | {(m.MeanSlotsUp > 0 ? (m.Generations / m.MeanSlotsUp).ToString("0.0", CultureInfo.InvariantCulture) : "-"),27}");
        if (r.Memory.Count > 0)
        {
            var first = r.Memory.FirstOrDefault(s => s.Seconds >= 60) ?? r.Memory[0];
            var last = r.Memory[^1];
            for (var i = 0; i < last.ResidentKiB.Count; i++)
                log.WriteLine($"long-lived worker {i + 1}: resident memory {first.ResidentKiB[i] / 1024.0:0} MiB at {F(first.Seconds)} s, {last.ResidentKiB[i] / 1024.0:0} MiB at {F(last.Seconds)} s, peak {r.Memory.Max(s => s.ResidentKiB[i]) / 1024.0:0} MiB");
        }
        if (r.Problem is not null) log.WriteLine($"problem: {r.Problem}");
        log.WriteLine(r.Passed ? "churn: PASSED" : "churn: FAILED");
    }
}
