using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests.Cluster;

/// <summary>
/// Several runs, one cluster, in real processes on loopback: a second <c>train</c> with another run id joins a cluster
/// that trains a first run (seed train node plus a worker); both runs train side by side on shared slots, <c>status</c>
/// lists both, the second ends without disturbing the first, the first is then stopped (SIGTERM) without disturbing
/// anything, and each run's policy.bin is byte-identical to the one it reaches alone in as many generations.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class SeveralRunsProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(240);

    // a: trains until stopped (its generations are counted then); b: short.
    private static readonly string[] RunA = ["--env", "Pendulum-v1", "--run-id", "a", "--seed", "1", "--population", "32", "--target-return", "100000"];
    private static readonly string[] RunB = ["--env", "CartPole-v1", "--run-id", "b", "--seed", "2", "--generations", "8", "--population", "16", "--target-return", "100000"];

    private static bool IsGeneration(string line) => line.StartsWith("gen ", StringComparison.Ordinal);

    [Fact]
    public async Task A_second_train_joins_the_cluster_beside_the_first_and_both_reach_their_solo_policies()
    {
        var work = fixture.NewFolder("several-runs");
        var solo = Path.Combine(work, "solo");
        var shared = Path.Combine(work, "shared");
        var journal = Path.Combine(shared, "journal.db");
        var soloB = await CliProcess.RunAsync(Timeout, work, ["train", .. RunB, "--slots", "2", "--out", Path.Combine(solo, "b")]);
        Assert.True(soloB.ExitCode == 0, soloB.Describe());

        var port = ClusterProcess.FreePort();
        var management = ClusterProcess.FreePort();
        var processes = new List<CliProcess>();
        int stoppedAt;
        try
        {
            var trainA = CliProcess.Start(work, ["train", .. RunA, "--generations", "1000000", "--slots", "1", "--port", $"{port}", "--management", $"{management}",
                "--out", shared, "--journal", journal]);
            processes.Add(trainA);
            Assert.True(await trainA.WaitForStdoutAsync(l => l.Any(IsGeneration), Timeout), "run a never started");
            // One slot per node: three evaluator threads in all, so the machine's cores are not all taken by a while b's node starts.
            var worker = CliProcess.Start(work, "worker", "--seed-nodes", $"127.0.0.1:{port}", "--slots", "1");
            processes.Add(worker);
            var trainB = CliProcess.Start(work, ["train", .. RunB, "--slots", "1", "--seed-nodes", $"127.0.0.1:{port}", "--out", shared, "--journal", journal]);
            processes.Add(trainB);
            Assert.True(await trainB.WaitForStdoutAsync(l => l.Any(IsGeneration), Timeout), "run b never trained");

            // While both train, status lists both (over the management endpoint, and by joining the cluster).
            var overHttp = await CliProcess.RunAsync(Timeout, work, "status", "--management", $"http://127.0.0.1:{management}");
            output.WriteLine(overHttp.Describe());
            Assert.Equal(0, overHttp.ExitCode);
            Assert.Contains(overHttp.Stdout, l => l.StartsWith("run a: generation ", StringComparison.Ordinal) && l.Contains(", running,"));
            Assert.Contains(overHttp.Stdout, l => l.StartsWith("run b: generation ", StringComparison.Ordinal));
            var joined = await CliProcess.RunAsync(Timeout, work, "status", "--seed-nodes", $"127.0.0.1:{port}");
            output.WriteLine(joined.Describe());
            Assert.Equal(0, joined.ExitCode);
            Assert.Contains(joined.Stdout, l => l.StartsWith("run a: ", StringComparison.Ordinal));

            // b ends; a goes on.
            var doneB = await trainB.WaitForExitAsync(Timeout);
            Assert.True(doneB.ExitCode == 0, doneB.Describe());
            Assert.Single(doneB.Stdout, l => l.StartsWith("done: run b at generation 8", StringComparison.Ordinal));
            var generationsOfA = trainA.Stdout.Count(IsGeneration);
            Assert.True(await trainA.WaitForStdoutAsync(l => l.Count(IsGeneration) >= generationsOfA + 5, Timeout), "run a stopped when run b ended");

            trainA.Terminate();
            var doneA = await trainA.WaitForExitAsync(Timeout);
            Assert.Equal(130, doneA.ExitCode);
            var stopLine = Assert.Single(doneA.Stdout, l => l.StartsWith("stopped: run a at generation ", StringComparison.Ordinal));
            stoppedAt = int.Parse(stopLine.Split(' ')[5].TrimEnd(';'), System.Globalization.CultureInfo.InvariantCulture);
            worker.Terminate();
            await worker.WaitForExitAsync(Timeout);

            // Neither run was switched or restarted: one start each, every generation once.
            Assert.DoesNotContain(doneA.Stdout.Concat(doneB.Stdout), l => l.StartsWith("resuming", StringComparison.Ordinal));
            Assert.Equal(Enumerable.Range(1, stoppedAt).Select(g => $"{g}"), ProgressGenerations(shared, "a"));
            Assert.Equal(Enumerable.Range(1, 8).Select(g => $"{g}"), ProgressGenerations(shared, "b"));
            // b never had the cluster's 3 slots (one on each node) to itself: a kept its share. (How
            // many generations of a complete beside b's is timing: a's generation in flight when the new nodes came may
            // wait for them to warm up.)
            Assert.All(doneB.Stdout.Where(IsGeneration), l => Assert.DoesNotContain("| slots 3", l));
        }
        finally
        {
            foreach (var process in processes)
            {
                output.WriteLine($"=== {process.Arguments}\n{process.Snapshot().Describe()}");
                process.Dispose();
            }
        }

        // a alone, as many generations as it trained beside b.
        var soloA = await CliProcess.RunAsync(Timeout, work, ["train", .. RunA, "--generations", $"{stoppedAt}", "--slots", "2", "--out", Path.Combine(solo, "a")]);
        Assert.True(soloA.ExitCode == 0, soloA.Describe());
        foreach (var run in new[] { "a", "b" })
        {
            var alone = await File.ReadAllBytesAsync(Path.Combine(solo, run, run, "policy.bin"));
            var beside = await File.ReadAllBytesAsync(Path.Combine(shared, run, "policy.bin"));
            Assert.True(alone.SequenceEqual(beside), $"run {run}'s policy.bin differs from its solo run's");
        }
    }

    private static IEnumerable<string> ProgressGenerations(string outDirectory, string runId) =>
        File.ReadAllLines(Path.Combine(outDirectory, runId, "progress.csv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')[0]);
}
