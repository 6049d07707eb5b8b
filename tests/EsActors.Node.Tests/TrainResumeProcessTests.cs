using System.Text.RegularExpressions;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// The whole program as separate OS processes: a training run killed with SIGKILL and started again with the
/// same arguments resumes from its SQLite journal and ends exactly where an uninterrupted run ends.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class TrainResumeProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    // Population 800 makes a generation take tens of milliseconds, so the kill after 8 progress lines lands
    // mid-run even though PersistAsync and prefetching made small CartPole generations very fast.
    private static string[] TrainArguments(string outDirectory) =>
    [
        "train", "--env", "CartPole-v1", "--run-id", "X", "--out", outDirectory, "--generations", "25",
        "--target-return", "100000", "--seed", "3", "--slots", "2", "--population", "800",
    ];

    private void Show(string what, CliResult result) => output.WriteLine($"=== {what}: {result.Describe()}");

    [Fact]
    public async Task Train_killed_mid_run_and_rerun_resumes_to_the_same_policy_and_progress()
    {
        var work = fixture.NewFolder("resume");
        var outA = Path.Combine(work, "A");
        var outB = Path.Combine(work, "B");

        // A runs uninterrupted while B is started, killed with SIGKILL after 8 generations, and started again.
        using var runA = CliProcess.Start(work, TrainArguments(outA));
        CliResult killed;
        using (var runB = CliProcess.Start(work, TrainArguments(outB)))
        {
            var reached = await runB.WaitForStdoutAsync(lines => lines.Count(l => l.StartsWith("gen ", StringComparison.Ordinal)) >= 8, Timeout);
            runB.Kill();
            killed = runB.Snapshot();
            Show("B, killed", killed);
            Assert.True(reached, "B never printed 8 generation lines");
        }
        Assert.DoesNotContain(killed.Stdout, l => l.StartsWith("done:", StringComparison.Ordinal)); // it really died mid-run

        var resultA = await runA.WaitForExitAsync(Timeout);
        Show("A", resultA);
        Assert.Equal(0, resultA.ExitCode);
        Assert.DoesNotContain(resultA.Stdout, l => l.StartsWith("resuming", StringComparison.Ordinal));

        var resumed = await CliProcess.RunAsync(Timeout, work, TrainArguments(outB));
        Show("B, rerun", resumed);
        Assert.Equal(0, resumed.ExitCode);
        var resuming = Assert.Single(resumed.Stdout, l => l.StartsWith("resuming", StringComparison.Ordinal));
        var resumedAt = int.Parse(Regex.Match(resuming, @"at generation (\d+)").Groups[1].Value);
        Assert.InRange(resumedAt, 8, 24);
        Assert.Contains(resumed.Stdout, l => l.StartsWith("done: run X at generation 25", StringComparison.Ordinal));
        Assert.DoesNotContain(resumed.Stdout, l => l.StartsWith($"gen {1,5} ", StringComparison.Ordinal)); // no generation redone from scratch

        var policyA = await File.ReadAllBytesAsync(Path.Combine(outA, "X", "policy.bin"));
        var policyB = await File.ReadAllBytesAsync(Path.Combine(outB, "X", "policy.bin"));
        Assert.NotEmpty(policyA);
        Assert.True(policyA.AsSpan().SequenceEqual(policyB), "policy.bin of the resumed run differs from the uninterrupted run's");

        // The closing line counts timesteps as the reports do (training episodes only) and names the other count.
        var linesA = await File.ReadAllLinesAsync(Path.Combine(outA, "X", "progress.csv"));
        var (header, lastRow) = (linesA[0].Split(','), linesA[^1].Split(','));
        var (allSteps, trainingSteps) = (long.Parse(lastRow[Array.IndexOf(header, "timesteps")]), long.Parse(lastRow[Array.IndexOf(header, "training_timesteps")]));
        Assert.True(allSteps > trainingSteps, $"evaluation episodes add steps: {allSteps} vs {trainingSteps}");
        Assert.Contains(resultA.Stdout, l => l.StartsWith("done: run X at generation 25, ", StringComparison.Ordinal)
            && l.Contains($", {trainingSteps} training timesteps ({allSteps} env steps with evaluation), ", StringComparison.Ordinal));

        var progressA = FirstColumns(linesA);
        var progressB = FirstColumns(await File.ReadAllLinesAsync(Path.Combine(outB, "X", "progress.csv")));
        Assert.Equal(26, progressA.Count); // header + 25 generations
        Assert.Equal("generation,timesteps,mean_return,max_return,eval_return", progressA[0]);
        Assert.Equal(progressA, progressB);
    }

    /// <summary>generation, timesteps and the three returns: what must not depend on timing.</summary>
    private static List<string> FirstColumns(IEnumerable<string> lines) =>
        lines.Where(l => l.Length > 0).Select(l => string.Join(',', l.Split(',').Take(5))).ToList();
}
