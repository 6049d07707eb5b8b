using EsActors.Node.Outputs;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests.Cluster;

/// <summary>
/// The determinism guarantees for a run of the ARS strategy (V2-t: top directions, reward shift, observation
/// statistics from every rollout, θ₀ = 0) and of CMA-ES (σ and C rebuilt from events on every node), as OS processes: a
/// cluster that loses a worker mid-run, and a <c>train</c> killed with SIGKILL and rerun, both end with the policy of an
/// undisturbed single-node run, byte for byte.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class StrategyDeterminismTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private const int Generations = 60;

    // Pendulum never reaches return 0: every run goes all the generations. The tolerant heartbeat pause keeps a busy
    // test machine from downing healthy nodes (see MultiNodeTests).
    private const string Ars = """
        esactors.run {
          strategy = ars-v2-t
          top-directions = 100
          reward-shift = 0.5
          hidden = []
          observation-normalization = on
          observation-statistics-probability = 1.0
          optimizer = sgd-momentum
          momentum = 0
          learning-rate = 0.02
          weight-decay = 0
          sigma = 0.05
        }
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 4s
        """;

    // Observation statistics from a tenth of the candidates' episodes, to cover them under CMA-ES as well; the policy
    // averaged as the Swimmer preset's is; a snapshot every 3 generations, so the rerun restores σ, C and the average from one.
    private const string Cma = """
        esactors.run {
          strategy = cma-es
          hidden = []
          weight-decay = 0
          sigma = 0.3
          observation-normalization = on
          observation-statistics-probability = 0.1
          policy-averaging = 0.9
          snapshot-every = 3
        }
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 4s
        """;

    private static string ConfigOf(string strategy) => strategy == "cma" ? Cma : Ars;

    private static string[] Train(string work, string runId, params string[] extra) =>
    [
        "train", "--env", "Pendulum-v1", "--run-id", runId, "--out", Path.Combine(work, "out"), "--journal", Path.Combine(work, "journal.db"),
        "--generations", Generations.ToString(), "--population", "1000", "--target-return", "0", "--seed", "9", "--config", Path.Combine(work, "ars.conf"), .. extra,
    ];

    private string Folder(string name, string strategy)
    {
        var work = fixture.NewFolder(name);
        File.WriteAllText(Path.Combine(work, "ars.conf"), ConfigOf(strategy));
        return work;
    }

    private static bool Generation(string line) => line.StartsWith("gen ", StringComparison.Ordinal);

    private async Task<byte[]> ReferenceAsync(string strategy)
    {
        var work = Folder($"{strategy}-reference", strategy);
        using var train = ClusterProcess.Start("reference", work, Train(work, "ars", "--slots", "2"));
        var exit = await train.WaitForExitAsync(Timeout);
        output.WriteLine(train.Describe());
        Assert.Equal(0, exit);
        Assert.Contains(train.Stdout, l => l.Contains("network 3-1 linear", StringComparison.Ordinal)); // no hidden layer
        Assert.Contains(train.Stdout, l => l.Contains(strategy == "cma" ? "strategy cma-es," : "strategy ars (top 100", StringComparison.Ordinal));
        return await File.ReadAllBytesAsync(Path.Combine(work, "out", "ars", "policy.bin"));
    }

    [Theory]
    [InlineData("ars")]
    [InlineData("cma")]
    public async Task An_ars_or_cma_es_run_is_identical_when_a_worker_is_killed_and_when_train_is_killed_and_rerun(string strategy)
    {
        var expected = await ReferenceAsync(strategy);

        // Train + two workers; one worker is killed once three slots have done two generations.
        var work = Folder($"{strategy}-cluster", strategy);
        var port = ClusterProcess.FreePort();
        var processes = new List<ClusterProcess>();
        try
        {
            processes.Add(ClusterProcess.Start("train", work, Train(work, "ars", "--slots", "1", "--port", port.ToString())));
            Assert.True(await processes[0].WaitForStdoutAsync(lines => lines.Any(l => l.StartsWith("journal:", StringComparison.Ordinal)), Timeout));
            for (var i = 1; i <= 2; i++)
                processes.Add(ClusterProcess.Start($"worker {i}", work,
                    ["worker", "--seed-nodes", $"127.0.0.1:{port}", "--journal", Path.Combine(work, "journal.db"), "--slots", "1", "--config", Path.Combine(work, "ars.conf")]));
            Assert.True(await processes[0].WaitForStdoutAsync(lines => lines.SkipWhile(l => !(Generation(l) && l.Contains("| slots 3", StringComparison.Ordinal))).Skip(1).Count(Generation) >= 2, Timeout),
                "the train node never reported 3 slots and two more generations");
            processes[1].Kill();
            Assert.Equal(0, await processes[0].WaitForExitAsync(Timeout));
            Assert.Contains(processes[0].Stdout, l => l.StartsWith($"done: run ars at generation {Generations}", StringComparison.Ordinal));
            Assert.Equal(expected, await File.ReadAllBytesAsync(Path.Combine(work, "out", "ars", "policy.bin")));
        }
        finally
        {
            foreach (var process in processes) { process.Kill(); output.WriteLine(process.Describe()); process.Dispose(); }
        }

        // Train killed with SIGKILL mid-run, then rerun with the same arguments: it resumes from the journal.
        var resume = Folder($"{strategy}-resume", strategy);
        using (var killed = ClusterProcess.Start("killed", resume, Train(resume, "ars", "--slots", "2")))
        {
            Assert.True(await killed.WaitForStdoutAsync(lines => lines.Count(Generation) >= 10, Timeout), "no 10 generations before the kill");
            killed.Kill();
            Assert.DoesNotContain(killed.Stdout, l => l.StartsWith("done:", StringComparison.Ordinal));
        }
        using var rerun = ClusterProcess.Start("rerun", resume, Train(resume, "ars", "--slots", "2"));
        Assert.Equal(0, await rerun.WaitForExitAsync(Timeout));
        output.WriteLine(rerun.Describe());
        Assert.Contains(rerun.Stdout, l => l.StartsWith("resuming run ars at generation", StringComparison.Ordinal));
        Assert.Equal(expected, await File.ReadAllBytesAsync(Path.Combine(resume, "out", "ars", "policy.bin")));
    }

    [Theory]
    [InlineData("schedule", "esactors.run.sigma-schedule { start = [0.5, 1.0, 2.0], end = [0.5, 1.0, 0.5], generations = 40 }")]
    [InlineData("learnt", "esactors.run.sigma-learning-rate = 0.2")]
    [InlineData("decay", "esactors.run.learning-rate-schedule { end = 0.1, generations = 40 }")]
    // Snapshots every 3 generations: the rerun restores the kept policy from a snapshot, then replays.
    [InlineData("best", "esactors.run { keep-best-policy = on, snapshot-every = 3 }")]
    // The averaged θ, likewise restored from a snapshot.
    [InlineData("average", "esactors.run { policy-averaging = 0.9, snapshot-every = 3 }")]
    public async Task An_openai_es_run_with_sigma_per_layer_or_learnt_a_decaying_step_its_best_policy_kept_or_theta_averaged_is_identical_when_train_is_killed_and_rerun(string name, string schedule)
    {
        string[] Run(string work) =>
        [
            "train", "--env", "Pendulum-v1", "--run-id", "sched", "--out", Path.Combine(work, "out"), "--journal", Path.Combine(work, "journal.db"),
            "--generations", Generations.ToString(), "--population", "400", "--target-return", "0", "--seed", "4", "--slots", "2",
            "--config", Path.Combine(work, "schedule.conf"),
        ];
        string Folder(string name)
        {
            var work = fixture.NewFolder(name);
            File.WriteAllText(Path.Combine(work, "schedule.conf"), schedule);
            return work;
        }

        var reference = Folder($"{name}-reference");
        using (var train = ClusterProcess.Start("reference", reference, Run(reference)))
        {
            Assert.Equal(0, await train.WaitForExitAsync(Timeout));
            output.WriteLine(train.Describe());
        }
        var expected = await File.ReadAllBytesAsync(Path.Combine(reference, "out", "sched", "policy.bin"));

        var resume = Folder($"{name}-resume");
        using (var killed = ClusterProcess.Start("killed", resume, Run(resume)))
        {
            Assert.True(await killed.WaitForStdoutAsync(lines => lines.Count(Generation) >= 10, Timeout), "no 10 generations before the kill");
            killed.Kill();
        }
        using var rerun = ClusterProcess.Start("rerun", resume, Run(resume));
        Assert.Equal(0, await rerun.WaitForExitAsync(Timeout));
        output.WriteLine(rerun.Describe());
        Assert.Contains(rerun.Stdout, l => l.StartsWith("resuming run sched at generation", StringComparison.Ordinal));
        Assert.Equal(expected, await File.ReadAllBytesAsync(Path.Combine(resume, "out", "sched", "policy.bin")));
        // A kept best policy or an averaged θ is written next to the last θ, which is identical too.
        var last = Path.Combine(reference, "out", "sched", RunOutputs.LastPolicyFile);
        Assert.Equal(name is "best" or "average", File.Exists(last));
        if (name is "best" or "average")
        {
            var lastBytes = await File.ReadAllBytesAsync(last);
            Assert.NotEqual(expected, lastBytes);
            if (name == "best") Assert.Contains(rerun.Stdout, l => l.StartsWith("policy.bin: the θ evaluated at generation ", StringComparison.Ordinal));
            Assert.Equal(lastBytes, await File.ReadAllBytesAsync(Path.Combine(resume, "out", "sched", RunOutputs.LastPolicyFile)));
        }
    }
}
