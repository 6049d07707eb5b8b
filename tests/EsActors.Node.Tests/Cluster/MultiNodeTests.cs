using System.Text.RegularExpressions;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;
using EsActors.Node.Clustering;

namespace EsActors.Node.Tests.Cluster;

/// <summary>
/// The reference every multi-node run must reproduce: one uninterrupted single-node <c>train</c> (SQLite journal,
/// no cluster port) of <see cref="MultiNodeTests.RunArguments"/>, computed once, on first use, for the class.
/// </summary>
public sealed class MultiNodeReference : IDisposable
{
    private readonly TempDirectory _root = new("esactors-multinode-");
    private readonly Lazy<Task<byte[]>> _policy;
    private int _next;

    public MultiNodeReference()
    {
        _policy = new Lazy<Task<byte[]>>(ComputeAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>A fresh folder for one test under this class's temp root (deleted with it).</summary>
    public string NewFolder(string name)
    {
        var path = Path.Combine(_root.Path, $"{Interlocked.Increment(ref _next):00}-{name}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>policy.bin of the reference run; the text of its output when it failed.</summary>
    public Task<byte[]> PolicyAsync() => _policy.Value;

    private async Task<byte[]> ComputeAsync()
    {
        var work = NewFolder("reference");
        var outDirectory = Path.Combine(work, "out");
        using var train = ClusterProcess.Start("reference train", work,
            MultiNodeTests.RunArguments(MultiNodeTests.RunId, outDirectory, Path.Combine(work, "journal.db"), ["--slots", "2"]));
        var exit = await train.WaitForExitAsync(MultiNodeTests.Timeout);
        var policy = Path.Combine(outDirectory, MultiNodeTests.RunId, "policy.bin");
        if (exit != 0 || !File.Exists(policy)) throw new InvalidOperationException($"the reference run failed\n{train.Describe()}");
        return await File.ReadAllBytesAsync(policy);
    }

    public void Dispose() => _root.Dispose();
}

/// <summary>
/// Several EsActors nodes as separate OS processes on loopback, one SQLite journal file shared by all: whatever
/// joins, dies or takes over the optimizer, the run ends with the policy an uninterrupted single-node run ends
/// with, byte for byte. Every wait has a deadline; every process is killed (whole tree) in a finally. The class
/// shares the CLI collection so that no other process test competes for the cores while failure detectors run.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class MultiNodeTests(MultiNodeReference reference, ITestOutputHelper output) : IClassFixture<MultiNodeReference>
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    internal const string RunId = "m";
    private const int Generations = 150;

    private static readonly Dictionary<string, string> Logging = new() { ["ESACTORS_LOG_LEVEL"] = "Information" };
    private static readonly Regex SlotsPattern = new(@"\| slots (\d+)(?: |$)", RegexOptions.Compiled);

    /// <summary>The run under test: Pendulum never reaches return 0, so every run goes all <see cref="Generations"/>.</summary>
    internal static string[] RunArguments(string runId, string outDirectory, string journal, string[] extra) =>
    [
        "train", "--env", "Pendulum-v1", "--run-id", runId, "--out", outDirectory, "--journal", journal,
        "--generations", Generations.ToString(), "--population", "1000", "--target-return", "0", "--seed", "5", .. extra,
    ];

    private static bool IsGeneration(string line) => line.StartsWith("gen ", StringComparison.Ordinal);

    /// <summary>The evaluator slots a generation line reports, or null for any other line.</summary>
    private static int? Slots(string line)
    {
        if (!IsGeneration(line)) return null;
        var match = SlotsPattern.Match(line);
        return match.Success ? int.Parse(match.Groups[1].Value) : null;
    }

    /// <summary>Index of the first generation line with 3 slots, and how many generation lines follow it.</summary>
    private static bool ThreeSlotsPlus(IReadOnlyList<string> lines, int moreGenerations)
    {
        var first = -1;
        for (var i = 0; i < lines.Count; i++)
            if (Slots(lines[i]) == 3) { first = i; break; }
        return first >= 0 && lines.Skip(first + 1).Count(IsGeneration) >= moreGenerations;
    }

    /// <param name="journal">Journal for every node (default: an SQLite file in <paramref name="work"/>).</param>
    private sealed class Cluster(string work, string? journal = null, string runId = RunId) : IDisposable
    {
        public string Work { get; } = work;
        public string Journal { get; } = journal ?? Path.Combine(work, "journal.db");
        public string RunId { get; } = runId;
        public string Out { get; } = Path.Combine(work, "out");
        public int Port { get; } = ClusterProcess.FreePort();
        public List<ClusterProcess> Processes { get; } = new();
        public ClusterProcess Train => Processes[0];
        public IEnumerable<ClusterProcess> Workers => Processes.Skip(1);
        public string Policy => Path.Combine(Out, this.RunId, "policy.bin");

        /// <summary>
        /// Test runners share few, busy cores: heartbeats of a healthy node then arrive seconds late, and the shipped
        /// 2 s pause makes the split brain resolver down healthy nodes. A longer pause only delays noticing a kill.
        /// </summary>
        public string Config { get; } = WriteConfig(work);

        private static string WriteConfig(string work)
        {
            var path = Path.Combine(work, "tolerant.conf");
            File.WriteAllText(path, "akka.cluster.failure-detector.acceptable-heartbeat-pause = 4s\n");
            return path;
        }

        /// <summary>The seed node (train, one slot) and, once it is up, two workers with one slot each.</summary>
        public async Task StartAsync()
        {
            Processes.Add(ClusterProcess.Start("train", Work,
                RunArguments(this.RunId, Out, Journal, ["--slots", "1", "--port", Port.ToString(), "--config", Config]), Logging));
            Assert.True(await Train.WaitForStdoutAsync(lines => lines.Any(l => l.StartsWith("journal:", StringComparison.Ordinal)), Timeout),
                "the train node never started");
            for (var i = 1; i <= 2; i++)
                Processes.Add(ClusterProcess.Start($"worker {i}", Work,
                    ["worker", "--seed-nodes", $"127.0.0.1:{Port}", "--journal", Journal, "--slots", "1", "--config", Config], Logging));
        }

        public void Dispose()
        {
            foreach (var process in Processes) process.Dispose();
        }
    }

    private void Show(IEnumerable<ClusterProcess> processes)
    {
        foreach (var process in processes) output.WriteLine(process.Describe());
    }

    private static void AssertSamePolicy(byte[] expected, string path, string what)
    {
        Assert.True(File.Exists(path), $"{what}: {path} was not written");
        var actual = File.ReadAllBytes(path);
        Assert.NotEmpty(expected);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{what}: policy.bin differs from the single-node reference run's");
    }

    [Fact]
    public async Task Policy_is_identical_after_one_node_plus_two_workers()
    {
        var expected = await reference.PolicyAsync();
        using var cluster = new Cluster(reference.NewFolder("three-nodes"));
        try
        {
            await cluster.StartAsync();
            Assert.Equal(0, await cluster.Train.WaitForExitAsync(Timeout));

            var train = cluster.Train.Stdout;
            Assert.Contains(train, l => l.StartsWith($"done: run {RunId} at generation {Generations}", StringComparison.Ordinal));
            Assert.Contains(train, l => Slots(l) == 3); // the workers really took part
            AssertSamePolicy(expected, cluster.Policy, "train + 2 workers");
        }
        finally
        {
            foreach (var process in cluster.Processes) process.Kill();
            Show(cluster.Processes);
        }
    }

    [Fact]
    public async Task Policy_is_identical_when_a_worker_is_killed_mid_run()
    {
        var expected = await reference.PolicyAsync();
        using var cluster = new Cluster(reference.NewFolder("worker-killed"));
        try
        {
            await cluster.StartAsync();
            Assert.True(await cluster.Train.WaitForStdoutAsync(lines => ThreeSlotsPlus(lines, 2), Timeout),
                "the train node never reported 3 slots and two more generations");
            var victim = cluster.Processes[1];
            victim.Kill();
            var atKill = cluster.Train.Stdout;
            Assert.DoesNotContain(atKill, l => l.StartsWith("done:", StringComparison.Ordinal)); // it died mid-run

            Assert.Equal(0, await cluster.Train.WaitForExitAsync(Timeout));
            var train = cluster.Train.Stdout;
            Assert.Contains(train, l => l.StartsWith($"done: run {RunId} at generation {Generations}", StringComparison.Ordinal));
            Assert.Contains(train.Skip(atKill.Count), l => Slots(l) == 2); // the cluster noticed the loss
            AssertSamePolicy(expected, cluster.Policy, "train + 2 workers, one killed");
        }
        finally
        {
            foreach (var process in cluster.Processes) process.Kill();
            Show(cluster.Processes);
        }
    }

    [Fact]
    public Task Optimizer_survives_the_loss_of_its_node() =>
        OptimizerSurvivesTheLossOfItsNode(journal: null, RunId);

    [Fact]
    public Task Optimizer_survives_the_loss_of_its_node_on_a_PostgreSQL_journal() =>
        // The database is shared between test runs: a fresh run id keeps this run's events apart.
        OptimizerSurvivesTheLossOfItsNode(PostgresConnection(), $"pgf-{Guid.NewGuid():N}");

    private static string PostgresConnection()
    {
        var connection = Environment.GetEnvironmentVariable("ESACTORS_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(connection))
            Assert.Fail("ESACTORS_TEST_POSTGRES is not set: run the tests with ./scripts/test.sh, which starts a throwaway PostgreSQL server and sets it");
        return connection!;
    }

    private async Task OptimizerSurvivesTheLossOfItsNode(string? journal, string runId)
    {
        var expected = await reference.PolicyAsync();
        using var cluster = new Cluster(reference.NewFolder("train-killed"), journal, runId);
        ClusterProcess? export = null;
        try
        {
            await cluster.StartAsync();
            Assert.True(await cluster.Train.WaitForStdoutAsync(lines => ThreeSlotsPlus(lines, 2), Timeout),
                "the train node never reported 3 slots and two more generations");
            cluster.Train.Kill();
            Assert.DoesNotContain(cluster.Train.Stdout, l => l.StartsWith("done:", StringComparison.Ordinal)); // it died mid-run

            // The singleton moves to a surviving worker, which resumes from the journal and finishes the run.
            var finished = $"Run {runId} finished at generation {Generations}";
            var workers = cluster.Workers.ToList();
            using (var done = new CancellationTokenSource())
            {
                var waits = workers.Select(w => w.WaitForStderrAsync(lines => done.IsCancellationRequested || lines.Any(l => l.Contains(finished, StringComparison.Ordinal)), Timeout)).ToList();
                await Task.WhenAny(waits);
                done.Cancel();
                await Task.WhenAll(waits);
            }
            var host = workers.FirstOrDefault(w => w.Stderr.Any(l => l.Contains(finished, StringComparison.Ordinal)));
            Assert.True(host is not null, $"no worker logged '{finished}' within {Timeout.TotalSeconds:0} s");
            Assert.Contains(host!.Stderr, l => l.Contains($"Hosting the optimizer of run {runId}", StringComparison.Ordinal));
            foreach (var worker in workers) worker.Kill();

            var exported = Path.Combine(cluster.Work, "exported");
            export = ClusterProcess.Start("export", cluster.Work, ["export", "--run-id", runId, "--journal", cluster.Journal, "--out", exported]);
            Assert.Equal(0, await export.WaitForExitAsync(Timeout));
            AssertSamePolicy(expected, Path.Combine(exported, runId, "policy.bin"), "train killed, run finished on a worker, exported");
        }
        finally
        {
            foreach (var process in cluster.Processes) process.Kill();
            export?.Kill();
            Show(export is null ? cluster.Processes : [.. cluster.Processes, export]);
            export?.Dispose();
        }
    }

    [Fact]
    public async Task Train_killed_and_rerun_on_a_PostgreSQL_journal_resumes_to_the_same_policy()
    {
        var connection = PostgresConnection();
        var expected = await reference.PolicyAsync();
        var work = reference.NewFolder("postgres");
        var outDirectory = Path.Combine(work, "out");
        var runId = $"pg-{Guid.NewGuid():N}"; // the database is shared between test runs
        var processes = new List<ClusterProcess>();
        try
        {
            var first = ClusterProcess.Start("train on PostgreSQL", work, RunArguments(runId, outDirectory, connection!, ["--slots", "2"]));
            processes.Add(first);
            var reached = await first.WaitForStdoutAsync(lines => lines.Count(IsGeneration) >= 8, Timeout);
            first.Kill();
            Assert.True(reached, "the first run never printed 8 generation lines");
            Assert.DoesNotContain(first.Stdout, l => l.StartsWith("done:", StringComparison.Ordinal)); // it died mid-run

            var rerun = ClusterProcess.Start("rerun on PostgreSQL", work, RunArguments(runId, outDirectory, connection!, ["--slots", "2"]));
            processes.Add(rerun);
            Assert.Equal(0, await rerun.WaitForExitAsync(Timeout));
            Assert.Contains(rerun.Stdout, l => l.StartsWith($"resuming run {runId} at generation", StringComparison.Ordinal));
            Assert.Contains(rerun.Stdout, l => l.StartsWith($"done: run {runId} at generation {Generations}", StringComparison.Ordinal));
            AssertSamePolicy(expected, Path.Combine(outDirectory, runId, "policy.bin"), "PostgreSQL journal, killed and rerun");
        }
        finally
        {
            foreach (var process in processes) process.Kill();
            Show(processes);
            foreach (var process in processes) process.Dispose();
        }
    }

    [Fact]
    public async Task A_node_of_another_protocol_version_is_refused_on_both_sides_and_the_run_goes_on()
    {
        var work = reference.NewFolder("incompatible");
        var port = ClusterProcess.FreePort();
        var journal = Path.Combine(work, "journal.db");
        var otherVersion = Path.Combine(work, "protocol-other.conf");
        File.WriteAllText(otherVersion, $"esactors.compatibility.protocol-version = {Compatibility.ProtocolVersion + 1}\n");
        var processes = new List<ClusterProcess>();
        try
        {
            // Long enough that the stranger arrives mid-run even on a fast machine.
            var train = ClusterProcess.Start("train", work,
                ["train", "--env", "Pendulum-v1", "--run-id", RunId, "--out", Path.Combine(work, "out"), "--journal", journal,
                 "--generations", "600", "--population", "200", "--target-return", "0", "--slots", "2", "--port", port.ToString()], Logging);
            processes.Add(train);
            Assert.True(await train.WaitForStdoutAsync(lines => lines.Any(IsGeneration), Timeout), "the run never started");

            var stranger = ClusterProcess.Start("worker speaking another protocol", work,
                ["worker", "--seed-nodes", $"127.0.0.1:{port}", "--slots", "1", "--config", otherVersion], Logging);
            processes.Add(stranger);
            Assert.Equal(3, await stranger.WaitForExitAsync(Timeout));
            Assert.Contains(stranger.Stderr, l => l.StartsWith("error: this node is incompatible with the cluster", StringComparison.Ordinal)
                && l.Contains($"protocol version {Compatibility.ProtocolVersion} (expected {Compatibility.ProtocolVersion + 1})", StringComparison.Ordinal));

            Assert.Equal(0, await train.WaitForExitAsync(Timeout));
            Assert.Contains(train.Stderr, l => l.Contains("Refusing node", StringComparison.Ordinal) && l.Contains($"protocol version {Compatibility.ProtocolVersion + 1} (expected {Compatibility.ProtocolVersion})", StringComparison.Ordinal));
            Assert.Contains(train.Stdout, l => l.StartsWith($"done: run {RunId} at generation 600", StringComparison.Ordinal));
            Assert.DoesNotContain(train.Stdout, l => Slots(l) is > 2); // the stranger never got a slot
        }
        finally
        {
            foreach (var process in processes) process.Kill();
            Show(processes);
            foreach (var process in processes) process.Dispose();
        }
    }
}
