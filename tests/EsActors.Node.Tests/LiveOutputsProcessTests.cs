using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EsActors.Domain.Policies;
using EsActors.Node.Cli;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// The run folder while <c>train</c> runs and after Ctrl-C: progress.csv grows a row per generation, config.json
/// holds the resolved settings, SIGTERM (the path Ctrl-C takes too) leaves policy.bin and prints the command that resumes the run, and that
/// command appends the remaining generations to the same file — whose journal columns match what export rebuilds.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class LiveOutputsProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    // Enough generations that the run is still going when the test interrupts it, however fast the machine (60 were
    // done before the interrupt on a quiet runner); the resume then finishes them.
    private const int Generations = 600, Population = 200;

    private static readonly string[] RequiredColumns =
    [
        "generation", "timesteps", "training_timesteps", "episodes", "mean_return", "std_return", "min_return", "max_return",
        "mean_episode_length", "eval_return", "theta_norm", "update_norm", "steps_per_second", "elapsed_seconds", "nodes", "slots", "reissued", "backups",
    ];

    [Fact]
    public async Task Train_appends_progress_live_stops_on_SIGTERM_with_a_policy_and_a_resume_hint_and_the_resume_appends()
    {
        var work = fixture.NewFolder("live");
        var outDirectory = Path.Combine(work, "out");
        var runDirectory = Path.Combine(outDirectory, "L");
        var progressPath = Path.Combine(runDirectory, "progress.csv");
        string[] args = ["train", "--env", "Pendulum-v1", "--run-id", "L", "--out", outDirectory, "--generations", $"{Generations}",
            "--target-return", "100000", "--population", $"{Population}", "--slots", "2"];

        List<string[]> live;
        CliResult stopped;
        using (var train = CliProcess.Start(work, args))
        {
            // Three rows on disk while the process still runs: the file is written as the run goes, not at its end.
            var threeRows = await PollAsync(() => DataRows(progressPath).Count >= 3 || train.HasExited, Timeout);
            Assert.True(threeRows && !train.HasExited, $"no 3 progress rows while train ran\n{train.Snapshot().Describe()}");
            var lines = File.ReadAllLines(progressPath);
            Assert.Equal(RequiredColumns.Order(), lines[0].Split(',').Order());
            live = DataRows(progressPath);
            var header = lines[0].Split(',').ToList();
            string Column(string[] row, string name) => row[header.IndexOf(name)];
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal($"{i + 1}", Column(live[i], "generation"));
                Assert.Equal($"{(i + 1) * Population}", Column(live[i], "episodes"));
                Assert.Equal("1", Column(live[i], "nodes"));
                Assert.Equal("2", Column(live[i], "slots"));
                Assert.True(double.Parse(Column(live[i], "theta_norm"), CultureInfo.InvariantCulture) > 0);
                Assert.True(double.Parse(Column(live[i], "update_norm"), CultureInfo.InvariantCulture) > 0);
                Assert.Equal(200.0, double.Parse(Column(live[i], "mean_episode_length"), CultureInfo.InvariantCulture)); // Pendulum never ends early
            }

            using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDirectory, "config.json"))))
            {
                Assert.Equal("Pendulum-v1", config.RootElement.GetProperty("run").GetProperty("environment-id").GetString());
                Assert.Equal(Population / 2, config.RootElement.GetProperty("run").GetProperty("pairs").GetInt32());
                Assert.Equal(Generations, config.RootElement.GetProperty("stop").GetProperty("max-generations").GetInt32());
                Assert.True(config.RootElement.GetProperty("dispatch").TryGetProperty("batch-timeout", out _));
            }

            train.Terminate();
            stopped = await train.WaitForExitAsync(Timeout);
        }
        output.WriteLine($"=== interrupted: {stopped.Describe()}");
        Assert.Equal(TrainCommand.InterruptedExitCode, stopped.ExitCode);
        Assert.DoesNotContain(stopped.Stdout, l => l.StartsWith("done:", StringComparison.Ordinal)); // stopped early
        var stopLine = Assert.Single(stopped.Stdout, l => l.StartsWith("stopped: run L at generation ", StringComparison.Ordinal));
        var stoppedAt = int.Parse(stopLine.Split(' ')[5].TrimEnd(';'), CultureInfo.InvariantCulture);
        Assert.InRange(stoppedAt, 3, Generations - 1);
        Assert.Equal(Enumerable.Range(1, stoppedAt).Select(g => $"{g}"), DataRows(progressPath).Select(r => r[0])); // every generation once, in order
        Assert.Equal("Pendulum-v1", PolicyFile.Read(Path.Combine(runDirectory, "policy.bin")).EnvironmentId);
        var hint = Assert.Single(stopped.Stdout, l => l.StartsWith("to resume: ", StringComparison.Ordinal))["to resume: ".Length..];
        Assert.StartsWith($"esactors train --run-id L --out {outDirectory} --journal {Path.Combine(outDirectory, "journal.db")} ", hint);

        // The printed command, as printed (the test's paths need no quoting), resumes and appends.
        var resumed = await CliProcess.RunAsync(Timeout, work, hint.Split(' ').Skip(1).ToArray());
        output.WriteLine($"=== resumed: {resumed.Describe()}");
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains(resumed.Stdout, l => l == $"resuming run L at generation {stoppedAt}");
        var all = DataRows(progressPath);
        Assert.Equal(Enumerable.Range(1, Generations).Select(g => $"{g}"), all.Select(r => r[0]));
        Assert.All(all, r => Assert.Equal(RequiredColumns.Length, r.Length));
        Assert.Equal(live.Select(r => string.Join(",", r)), all.Take(live.Count).Select(r => string.Join(",", r))); // rows already written stay as they were

        // The journal's columns are the ones export rebuilds from the events alone.
        var exported = Path.Combine(work, "exported");
        var export = await CliProcess.RunAsync(Timeout, work, "export", "--run-id", "L", "--journal", Path.Combine(outDirectory, "journal.db"), "--out", exported);
        Assert.Equal(0, export.ExitCode);
        var rebuilt = DataRows(Path.Combine(exported, "L", "progress.csv"));
        const int journalColumns = 14;
        Assert.Equal(rebuilt.Select(r => string.Join(',', r.Take(journalColumns))), all.Select(r => string.Join(',', r.Take(journalColumns))));
        Assert.All(rebuilt, r => Assert.All(r.Skip(journalColumns), Assert.Empty)); // live-only columns: export cannot know them
    }

    /// <summary>The complete data rows of a progress file (a line still being written is not counted).</summary>
    private static List<string[]> DataRows(string path)
    {
        if (!File.Exists(path)) return [];
        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream)) text = reader.ReadToEnd();
        var lines = text.Split('\n');
        return lines.Skip(1).Take(lines.Length - 2).Select(l => l.Split(',')).ToList();
    }

    /// <summary>Polls a condition on files until it holds or the deadline passes.</summary>
    private static async Task<bool> PollAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) return false;
            await Task.Delay(100);
        }
        return true;
    }
}
