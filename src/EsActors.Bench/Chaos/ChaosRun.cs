using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EsActors.Node;
using EsActors.Node.Configuration;

namespace EsActors.Bench.Chaos;

/// <summary>Parsed options of <c>chaos</c>.</summary>
/// <param name="Journal">PostgreSQL connection string or SQLite path the cluster shares.</param>
public sealed record ChaosOptions(int Faults, int Seed, string Journal, int Generations, int Workers, string WorkDirectory);

/// <summary>What a chaos run did and found.</summary>
public sealed record ChaosReport(
    IReadOnlyDictionary<string, int> Faults, int Generations, bool Complete, bool Identical, int Reissues, int OptimizerIncarnations,
    double LongestGapSeconds, double MedianGapSeconds, double TimeLostSeconds, double WallSeconds, double ReferenceWallSeconds, string? Problem)
{
    public int TotalFaults => Faults.Values.Sum();
    public bool Passed => Complete && Identical && Problem is null;
}

/// <summary>
/// A real cluster of node processes on loopback sharing one journal trains a Pendulum run while, at seeded random
/// points of its progress, workers are killed with SIGKILL, the optimizer's node is killed, workers are stopped
/// gracefully (SIGTERM), frozen (SIGSTOP … SIGCONT) and started. At the end the run must be complete (one event per
/// generation, no sequence number twice) and its exported policy.bin byte-identical to an undisturbed single-node run.
/// </summary>
public static class ChaosRun
{
    private const string Env = "Pendulum-v1";
    private const string RunIdPrefix = "chaos";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(15);
    private const double HeartbeatPauseSeconds = 4;
    /// <summary>Time between faults: a killed node's removal under the shipped timings (9.5 s with this pause and stable-after 3 s), plus one second.</summary>
    private static readonly TimeSpan FaultSpacing = TimeSpan.FromSeconds(ShippedTimings.RemovalSeconds(HeartbeatPauseSeconds) + 1);

    private enum Fault { KillWorker, KillOptimizerNode, StopWorkerGracefully, PauseWorker, StartWorker }

    private static string[] RunArguments(string runId, string outDirectory, string journal, int generations) =>
    [
        "train", "--env", Env, "--run-id", runId, "--out", outDirectory, "--journal", journal, "--generations", generations.ToString(CultureInfo.InvariantCulture),
        "--population", "1000", "--target-return", "0", "--seed", "11",
    ];

    public static async Task<ChaosReport> Run(ChaosOptions o, TextWriter log, CancellationToken cancellation)
    {
        if (o.Faults < 1) throw new UserError($"--faults must be at least 1, got {o.Faults}");
        if (o.Workers < 3) throw new UserError($"--workers must be at least 3 (a majority must survive every fault), got {o.Workers}");
        if (o.Generations < 14 * o.Faults + 20) throw new UserError($"--generations must be at least 14 × faults + 20 = {14 * o.Faults + 20}, got {o.Generations}");
        var journal = JournalTarget.Parse(o.Journal);
        journal.ValidateBeforeStart();
        Directory.CreateDirectory(o.WorkDirectory);
        var runId = $"{RunIdPrefix}-{o.Seed}-{Guid.NewGuid():N}"[..24]; // a shared PostgreSQL keeps each chaos run apart

        // The undisturbed reference: one node, its own SQLite journal.
        var referenceWork = Path.Combine(o.WorkDirectory, "reference");
        Directory.CreateDirectory(referenceWork);
        var clock = Stopwatch.StartNew();
        using (var reference = NodeProcess.Start("reference", 0,
                   [.. RunArguments(runId, Path.Combine(referenceWork, "out"), Path.Combine(referenceWork, "journal.db"), o.Generations), "--slots", "2"], referenceWork))
        {
            if (!await reference.WaitForExitAsync(Deadline, cancellation) || reference.Count(l => l.StartsWith("done:", StringComparison.Ordinal)) == 0)
                return Failed($"the reference run failed:\n{reference.Tail()}");
        }
        var referenceSeconds = clock.Elapsed.TotalSeconds;
        log.WriteLine($"reference: {o.Generations} generations on one node in {referenceSeconds:0.0} s");

        var cluster = new ChaosCluster(o, journal, runId);
        try
        {
            return await cluster.Run(referenceWork, referenceSeconds, log, cancellation);
        }
        finally
        {
            cluster.Dispose();
        }

        ChaosReport Failed(string problem) =>
            new(new Dictionary<string, int>(), 0, false, false, 0, 0, 0, 0, 0, 0, 0, problem);
    }

    /// <summary>The cluster under fault: the train node forms it; every worker joins through up to three nodes alive at its start.</summary>
    private sealed class ChaosCluster(ChaosOptions o, JournalTarget journal, string runId) : IDisposable
    {
        private readonly Random _random = new(o.Seed);
        private readonly List<NodeProcess> _live = new();
        private readonly List<NodeProcess> _all = new();
        private readonly Dictionary<string, int> _faults = Enum.GetNames<Fault>().ToDictionary(n => n, _ => 0);
        private readonly string _work = Path.Combine(o.WorkDirectory, "cluster");
        private string Config => Path.Combine(_work, "chaos.conf");
        private string Out => Path.Combine(_work, "out");
        private int _nextWorker = 1;

        public async Task<ChaosReport> Run(string referenceWork, double referenceSeconds, TextWriter log, CancellationToken cancellation)
        {
            Directory.CreateDirectory(_work);
            // Loaded runners: a healthy node's heartbeats may be seconds late; a longer pause only delays noticing a kill.
            await File.WriteAllTextAsync(Config, string.Create(CultureInfo.InvariantCulture, $"akka.cluster.failure-detector.acceptable-heartbeat-pause = {HeartbeatPauseSeconds}s\n"), cancellation);
            var watch = new JournalWatch(journal, runId);
            var clock = Stopwatch.StartNew();

            var trainPort = FreePort();
            var train = Track(NodeProcess.Start("train", trainPort,
                [.. RunArguments(runId, Out, JournalArgument, o.Generations), "--slots", "1", "--port", trainPort.ToString(CultureInfo.InvariantCulture), "--config", Config], _work));
            for (var i = 0; i < o.Workers; i++) StartWorker();

            // Fault points: seeded generation numbers, at least 3 generations apart, none in the first 10 or the last quarter.
            var points = FaultPoints(o.Faults, o.Generations);
            log.WriteLine($"chaos: run {runId}, {o.Workers} workers + train, {o.Faults} faults at generations {string.Join(", ", points)}");
            var progress = new List<(double Seconds, int Generations)>();
            var lastFault = TimeSpan.Zero;
            var next = 0;
            JournalCounts counts = new(0, 0, 0, 0, 0);
            while (clock.Elapsed < Deadline)
            {
                cancellation.ThrowIfCancellationRequested();
                counts = await watch.Read(cancellation);
                // Gaps are measured from the first generation on: start-up (JIT, joining) is not a fault's cost.
                if (counts.Generations > 0 && (progress.Count == 0 || counts.Generations > progress[^1].Generations)) progress.Add((clock.Elapsed.TotalSeconds, counts.Generations));
                if (counts.Generations >= o.Generations) break;
                _live.RemoveAll(p => p.HasExited); // e.g. a paused worker the cluster downed, which then shut itself down
                // Each fault waits for its generation, and for the cluster to have healed from the last one: a dead node
                // counts as a member until it is removed, and half the members dead within that time is a keep-majority
                // tie that may down the survivors — a real limit of the cluster, not what this run is about.
                if (next < points.Count && counts.Generations >= points[next] && clock.Elapsed - lastFault > FaultSpacing)
                {
                    var fault = Inject(log, clock.Elapsed);
                    _faults[fault.ToString()]++;
                    lastFault = clock.Elapsed;
                    next++;
                }
                if (_live.Count(p => p != train && !p.HasExited) < 3) StartWorker(); // keep a majority able to survive the next fault
                await Task.Delay(200, cancellation);
            }
            var wall = clock.Elapsed.TotalSeconds;
            foreach (var p in _all) p.Resume();

            var reissues = _all.Sum(p => p.Count(l => l.Contains("Reissuing batch", StringComparison.Ordinal)));
            foreach (var p in _all) p.Dispose();
            for (var i = 0; i < _all.Count; i++) _all[i].SaveLog(Path.Combine(_work, $"{i:00}-{_all[i].Name.Replace(' ', '-')}-{_all[i].Port}.log"));
            counts = await watch.Read(cancellation);
            var complete = counts.Generations == o.Generations && counts.Events == counts.DistinctSequenceNumbers && counts.MaxSequenceNumber == counts.Events;

            // The run's policy, rebuilt from the journal alone, against the reference's.
            var exported = Path.Combine(_work, "exported");
            using (var export = NodeProcess.Start("export", 0, ["export", "--run-id", runId, "--journal", JournalArgument, "--out", exported], _work))
                await export.WaitForExitAsync(TimeSpan.FromMinutes(5), cancellation);
            var policy = Path.Combine(exported, runId, "policy.bin");
            var referencePolicy = Path.Combine(referenceWork, "out", runId, "policy.bin");
            var identical = File.Exists(policy) && File.ReadAllBytes(policy).AsSpan().SequenceEqual(File.ReadAllBytes(referencePolicy));

            var gaps = progress.Zip(progress.Skip(1), (a, b) => (b.Seconds - a.Seconds) / Math.Max(1, b.Generations - a.Generations)).ToList();
            var perGeneration = gaps.Count > 0 ? BenchStats.Median(gaps) : 0;
            var steps = progress.Zip(progress.Skip(1), (a, b) => (Seconds: b.Seconds - a.Seconds, Generations: b.Generations - a.Generations)).ToList();
            var longest = steps.Count > 0 ? steps.Max(s => s.Seconds) : 0;
            var lost = steps.Sum(s => Math.Max(0, s.Seconds - s.Generations * perGeneration));
            var injected = _faults.Values.Sum();
            string? problem = counts.Generations < o.Generations ? $"the run did not complete within {Deadline.TotalMinutes:0} minutes ({counts.Generations} of {o.Generations} generations)"
                : injected < o.Faults ? $"only {injected} of {o.Faults} faults were injected before the run ended: give it more --generations (about {GenerationsFor(o.Faults, progress):N0} at the pace measured)" : null;
            return new ChaosReport(_faults, counts.Generations, complete, identical, reissues, counts.Writers, longest, perGeneration, lost, wall, referenceSeconds, problem);
        }

        private string JournalArgument => journal.IsPostgres ? journal.ConnectionString : journal.SqlitePath!;

        private NodeProcess Track(NodeProcess process)
        {
            _live.Add(process);
            _all.Add(process);
            return process;
        }

        /// <summary>
        /// A new worker joins through the three oldest nodes alive now (not through fixed seeds, which the faults kill):
        /// it never lists itself, so it joins the running cluster rather than forming a new one.
        /// </summary>
        private void StartWorker()
        {
            var port = FreePort();
            var contacts = _live.Where(p => !p.HasExited && !p.Paused).Take(3).Select(p => $"127.0.0.1:{p.Port}").ToList();
            Track(NodeProcess.Start($"worker {_nextWorker++}", port,
                ["worker", "--seed-nodes", .. contacts, "--journal", JournalArgument, "--slots", "1",
                    "--port", port.ToString(CultureInfo.InvariantCulture), "--config", Config], _work));
        }

        private Fault Inject(TextWriter log, TimeSpan at)
        {
            var workers = _live.Where(p => p.Name.StartsWith("worker", StringComparison.Ordinal) && !p.HasExited && !p.Paused).ToList();
            var host = OptimizerHost();
            var choices = new List<Fault> { Fault.KillWorker, Fault.StopWorkerGracefully, Fault.PauseWorker, Fault.StartWorker };
            if (host is not null) choices.Add(Fault.KillOptimizerNode);
            var fault = choices[_random.Next(choices.Count)];
            var candidates = workers.Where(w => w != host).OrderBy(w => w.Name, StringComparer.Ordinal).ToList();
            var victim = fault == Fault.KillOptimizerNode ? host! : candidates.Count > 0 ? candidates[_random.Next(candidates.Count)] : null;
            if (victim is null && fault != Fault.StartWorker) fault = Fault.StartWorker;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {at.TotalSeconds,6:0.0} s  {fault}{(fault == Fault.StartWorker ? "" : $" → {victim!.Name} (pid {victim.Pid}, port {victim.Port})")}"));
            switch (fault)
            {
                case Fault.KillWorker:
                case Fault.KillOptimizerNode:
                    victim!.Kill9();
                    _live.Remove(victim);
                    break;
                case Fault.StopWorkerGracefully:
                    // It leaves on its own time (the loop does not wait): the run must not depend on how long a leave takes.
                    victim!.Terminate();
                    _live.Remove(victim);
                    break;
                case Fault.PauseWorker:
                    victim!.Pause();
                    // Shorter than the failure detector's pause: a slow node, not a dead one (backups cover it).
                    var resumeAfter = TimeSpan.FromSeconds(1 + _random.Next(3));
                    _ = Task.Delay(resumeAfter).ContinueWith(_ => victim.Resume(), TaskScheduler.Default);
                    break;
                case Fault.StartWorker:
                    StartWorker();
                    break;
            }
            return fault;
        }

        private NodeProcess? OptimizerHost() => ChaosRun.OptimizerHost(_live.Where(p => !p.Paused), runId);

        /// <summary>
        /// Seeded generation numbers, at least 3 apart, none in the first 10 and all in the first three quarters of the
        /// run: a fault also waits <see cref="FaultSpacing"/> after the previous one, and a point near the end could be
        /// overtaken by the run's end (a CI run ended 1 s before its fifth fault, due at generation 391 of 440).
        /// </summary>
        private List<int> FaultPoints(int faults, int generations)
        {
            var points = new SortedSet<int>();
            var span = generations * 3 / 4 - 10;
            for (var k = 0; k < faults; k++) points.Add(10 + (int)((long)span * k / faults) + _random.Next(Math.Max(1, span / faults - 3)));
            return points.ToList();
        }

        public void Dispose()
        {
            foreach (var p in _all) p.Dispose();
        }
    }

    /// <summary>
    /// Generations that leave every fault its spacing at the run's measured pace, within the three quarters of the
    /// run that fault points may take, plus the first 10 generations and a margin of 10.
    /// </summary>
    internal static int GenerationsFor(int faults, List<(double Seconds, int Generations)> progress)
    {
        var pace = progress.Count > 1 ? (progress[^1].Generations - progress[0].Generations) / Math.Max(1e-9, progress[^1].Seconds - progress[0].Seconds) : 0;
        return (int)Math.Ceiling(faults * FaultSpacing.TotalSeconds * pace / 0.75) + 20;
    }

    /// <summary>Of <paramref name="live"/> (in start order), the youngest running node that logged that it hosts the run's optimizer.</summary>
    internal static NodeProcess? OptimizerHost(IEnumerable<NodeProcess> live, string runId)
    {
        var hosting = $"Hosting the optimizer of run {runId}";
        return live.LastOrDefault(p => !p.HasExited && p.LastIndexOf(l => l.Contains(hosting, StringComparison.Ordinal)) >= 0);
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static void Print(ChaosReport r, TextWriter log)
    {
        log.WriteLine($"faults injected: {r.TotalFaults} ({string.Join(", ", r.Faults.Where(f => f.Value > 0).Select(f => $"{f.Key} {f.Value}"))})");
        log.WriteLine($"generations: {r.Generations}; complete (one event per generation, none twice): {(r.Complete ? "yes" : "NO")}");
        log.WriteLine($"policy.bin identical to the undisturbed run: {(r.Identical ? "yes" : "NO")}");
        log.WriteLine($"reissued batches: {r.Reissues}; optimizer incarnations that wrote (1 + handovers and restarts): {r.OptimizerIncarnations}");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"longest gap without a generation: {r.LongestGapSeconds:0.0} s (median {r.MedianGapSeconds:0.00} s per generation); time lost: {r.TimeLostSeconds:0.0} s of {r.WallSeconds:0.0} s (undisturbed one-node run: {r.ReferenceWallSeconds:0.0} s)"));
        if (r.Problem is not null) log.WriteLine($"problem: {r.Problem}");
        log.WriteLine(r.Passed ? "chaos: PASSED" : "chaos: FAILED");
    }
}
