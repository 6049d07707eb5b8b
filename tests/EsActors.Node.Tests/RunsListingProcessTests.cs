using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// <c>esactors runs --journal J</c> on a journal written by real <c>train</c> processes: one run per line with its
/// environment, generation, training timesteps, best evaluation and whether it finished, is hosted by the cluster
/// (active: a killed train's run stays hosted and trains beside the next run on its journal) or was stopped by its train.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class RunsListingProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private async Task<CliResult> Run(string work, params string[] args)
    {
        var result = await CliProcess.RunAsync(Timeout, work, args);
        output.WriteLine($"$ esactors {string.Join(' ', args)}\n{result.Describe()}");
        return result;
    }

    /// <summary>Columns of each run's line, keyed by run id.</summary>
    private static Dictionary<string, string[]> Rows(CliResult result) =>
        result.Stdout.Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(c => c[0], c => c);

    private static string[] ProgressLastLine(string outDirectory, string runId) =>
        File.ReadAllLines(Path.Combine(outDirectory, runId, "progress.csv")).Last(l => l.Length > 0).Split(',');

    [Fact]
    public async Task Runs_lists_finished_active_and_stopped_runs_of_a_journal_written_by_train()
    {
        var work = fixture.NewFolder("runs");
        var outDirectory = Path.Combine(work, "out");
        var journal = Path.Combine(outDirectory, "journal.db");
        string[] common = ["--out", outDirectory, "--slots", "2", "--seed", "1"];

        // solved: CartPole to its threshold (500)
        var solved = await Run(work, ["train", "--env", "CartPole-v1", "--run-id", "solved", "--generations", "200", .. common]);
        Assert.True(solved.ExitCode == 0, solved.Describe());

        // interrupted: killed mid-run, so it stays the journal's active run
        using (var interrupted = CliProcess.Start(work, ["train", "--env", "CartPole-v1", "--run-id", "interrupted", "--population", "800",
                   "--generations", "1000", "--target-return", "100000", .. common]))
        {
            var reached = await interrupted.WaitForStdoutAsync(lines => lines.Count(l => l.StartsWith("gen ", StringComparison.Ordinal)) >= 2, Timeout);
            interrupted.Kill();
            Assert.True(reached, interrupted.Snapshot().Describe());
        }

        var listed = await Run(work, "runs", "--journal", journal);
        Assert.Equal(0, listed.ExitCode);
        Assert.Equal(["run", "env", "generation", "timesteps", "best", "eval", "state"], listed.Stdout[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var rows = Rows(listed);
        Assert.Equal(["interrupted", "solved"], rows.Keys.Order(StringComparer.Ordinal));
        var progress = ProgressLastLine(outDirectory, "solved"); // generation, ..., eval_return (5th), ..., training_timesteps (8th)
        Assert.Equal(["solved", "CartPole-v1", progress[0], progress[7], "500", "finished", "(target", "reached)"], rows["solved"]);
        Assert.Equal("active", rows["interrupted"][^1]);
        Assert.True(int.Parse(rows["interrupted"][2]) >= 2, listed.Describe());

        // A later run on the journal trains beside the interrupted one, which stays active; this one ends at its generation limit.
        var limited = await Run(work, ["train", "--env", "Pendulum-v1", "--run-id", "limited", "--generations", "2", "--population", "8", .. common]);
        Assert.True(limited.ExitCode == 0, limited.Describe());
        rows = Rows(await Run(work, "runs", "--journal", journal));
        Assert.Equal("active", rows["interrupted"][^1]);
        var pendulum = ProgressLastLine(outDirectory, "limited");
        Assert.Equal(["limited", "Pendulum-v1", "2", pendulum[7], "finished", "(generation", "limit)"], rows["limited"].Where((_, i) => i != 4));

        // A train stopped with SIGTERM (as Ctrl-C) stops its run: no longer hosted, resumable with its train command.
        using (var halted = CliProcess.Start(work, ["train", "--env", "Pendulum-v1", "--run-id", "halted", "--generations", "100000", "--population", "8", .. common]))
        {
            Assert.True(await halted.WaitForStdoutAsync(lines => lines.Any(l => l.StartsWith("gen ", StringComparison.Ordinal)), Timeout), halted.Snapshot().Describe());
            halted.Terminate();
            var stopped = await halted.WaitForExitAsync(Timeout);
            Assert.True(stopped.ExitCode == 130, stopped.Describe());
        }
        rows = Rows(await Run(work, "runs", "--journal", journal));
        Assert.Equal("stopped", rows["halted"][^1]);
        Assert.Equal("active", rows["interrupted"][^1]);
    }

    [Fact]
    public async Task Runs_on_a_missing_journal_fails_naming_it()
    {
        var work = fixture.NewFolder("runs-missing");
        var journal = Path.Combine(work, "none.db");
        var result = await Run(work, "runs", "--journal", journal);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal([$"error: journal {journal} does not exist"], result.Stderr.Where(l => l.Length > 0));
        Assert.False(File.Exists(journal));
    }
}
