using EsActors.Node.Cli;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests.Sweeps;

/// <summary><c>sweep</c> as a process: one run per seed, a report with every seed and the median, resumable.</summary>
[Collection(CliCollection.Name)]
public sealed class SweepProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_sweep_runs_each_seed_to_its_timestep_budget_and_reports_median_min_and_max()
    {
        var work = fixture.NewFolder("sweep");
        string[] args = ["sweep", "--env", "CartPole-v1", "--seeds", "0-2", "--timesteps", "20000", "--thresholds", "100", "1000000", "--out", work, "--name", "cp", "--slots", "2"];
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(180), work, args);
        output.WriteLine(result.Describe());
        Assert.Equal(0, result.ExitCode);

        var csv = File.ReadAllLines(Path.Combine(work, "cp", "report.csv"));
        Assert.Equal(4, csv.Length); // header + 3 seeds
        foreach (var (line, seed) in csv.Skip(1).Select((l, i) => (l.Split(','), i)))
        {
            Assert.Equal(seed.ToString(), line[0]);
            Assert.Equal($"cp-s{seed}", line[1]);
            Assert.InRange(long.Parse(line[3]), 20000, 20000 + 48 * 500); // stops within one generation past the budget
            Assert.Equal("10", line[7]);                                  // final evaluation: 10 episodes
            Assert.True(File.Exists(Path.Combine(work, "cp", $"cp-s{seed}", "policy.bin")));
            Assert.Equal("", line[10]);                                    // a return of 10^6 is never reached
        }
        var md = File.ReadAllText(Path.Combine(work, "cp", "report.md"));
        Assert.Contains("over 3 seeds: median", md);
        Assert.Contains("threshold 1000000: reached by 0/3 seeds", md);
        Assert.Contains("](curve.png)", md);
        AssertPng(Path.Combine(work, "cp", "curve.png"));
        AssertPng(Path.Combine(work, "cp", "cp-s0", "curve.png")); // every run writes its own curve

        // Rerun: every run is already finished in the journal; the report is rebuilt, identical.
        var again = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), work, args);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(csv, File.ReadAllLines(Path.Combine(work, "cp", "report.csv")));
    }

    [Fact]
    public async Task A_sweep_stopped_mid_run_prints_its_own_command_which_resumes_it_to_the_same_report()
    {
        var work = fixture.NewFolder("sweep-stop");
        File.WriteAllText(Path.Combine(work, "none.conf"), "esactors.run.target-return = none\n");
        // Pendulum at 40,000 timesteps a generation: 6 generations per seed, so a stop after the ninth lands in seed 1, the
        // second node this process starts (its stop once read as "downed": Akka's exit hook raced the command's own stop).
        string[] Args(string name) => ["sweep", "--env", "Pendulum-v1", "--seeds", "0-2", "--timesteps", "240000", "--config", "none.conf",
            "--thresholds", "-1200", "--out", ".", "--name", name, "--slots", "2"];

        var reference = await CliProcess.RunAsync(TimeSpan.FromSeconds(300), work, Args("whole"));
        output.WriteLine(reference.Describe());
        Assert.Equal(0, reference.ExitCode);

        CliResult stopped;
        using (var sweep = CliProcess.Start(work, Args("stopped")))
        {
            Assert.True(await sweep.WaitForStdoutAsync(lines => lines.Count(l => l.StartsWith("gen ", StringComparison.Ordinal)) >= 9, TimeSpan.FromSeconds(180)),
                "the sweep never printed 9 generations");
            sweep.Terminate();
            stopped = await sweep.WaitForExitAsync(TimeSpan.FromSeconds(120));
        }
        output.WriteLine(stopped.Describe());
        Assert.Equal(TrainCommand.InterruptedExitCode, stopped.ExitCode);
        Assert.Contains(stopped.Stdout, l => l.StartsWith("stopped: run stopped-s1 ", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(work, "stopped", "report.csv")));
        var hint = Assert.Single(stopped.Stdout, l => l.StartsWith("to resume: ", StringComparison.Ordinal))["to resume: ".Length..];
        Assert.Equal("esactors " + string.Join(' ', Args("stopped")), hint);

        var resumed = await CliProcess.RunAsync(TimeSpan.FromSeconds(300), work, hint.Split(' ').Skip(1).ToArray());
        output.WriteLine(resumed.Describe());
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains(resumed.Stdout, l => l.StartsWith("resuming run stopped-s", StringComparison.Ordinal));
        // Everything but the run ids and wall times is the uninterrupted sweep's: generations, timesteps, final evaluations.
        static string[] Deterministic(string line)
        {
            var c = line.Split(',');
            return [c[0], c[2], c[3], c[5], c[6], c[7], c[8]];
        }
        var whole = File.ReadAllLines(Path.Combine(work, "whole", "report.csv"));
        Assert.Equal(4, whole.Length);
        Assert.Equal(whole.Skip(1).Select(Deterministic), File.ReadAllLines(Path.Combine(work, "stopped", "report.csv")).Skip(1).Select(Deterministic));
    }

    private static void AssertPng(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000 && bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), $"{path} is not a PNG");
    }

    [Theory]
    [InlineData("--seeds", "4-1")]
    [InlineData("--seeds", "x")]
    [InlineData("--eval-episodes", "3")]
    [InlineData("--slots", "0")] // train accepts 0 (a coordinating node), but no worker can join a sweep's node
    public async Task Bad_sweep_arguments_get_one_error_line(string option, string value)
    {
        var work = fixture.NewFolder("sweep-bad");
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), work, "sweep", "--env", "CartPole-v1", option, value, "--out", work);
        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.Stderr);
        Assert.StartsWith("error: ", error);
        Assert.Contains(option, error);
    }
}
