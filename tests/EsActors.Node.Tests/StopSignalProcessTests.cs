using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// The first SIGTERM stops a run gracefully (exit 130, tested with train and sweep elsewhere); a second one during that
/// stop ends the process at once, like the runtime's own SIGTERM (exit 143), and the journal still resumes.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class StopSignalProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_second_sigterm_ends_the_process_at_once_and_the_run_still_resumes()
    {
        var work = fixture.NewFolder("second-signal");
        string[] args = ["train", "--env", "Pendulum-v1", "--run-id", "twice", "--out", work, "--journal", Path.Combine(work, "journal.db"),
            "--generations", "12", "--population", "200", "--target-return", "0", "--slots", "2"];

        CliResult ended;
        using (var train = CliProcess.Start(work, args))
        {
            Assert.True(await train.WaitForStdoutAsync(lines => lines.Count(l => l.StartsWith("gen ", StringComparison.Ordinal)) >= 3, TimeSpan.FromSeconds(120)),
                "train never printed 3 generations");
            // The graceful stop (optimizer stop, cluster leave, journal read) takes seconds; the second signal comes as soon
            // as the first was taken (two pending SIGTERMs would merge into one).
            train.Terminate();
            Assert.True(await train.WaitForStdoutAsync(lines => lines.Any(l => l.StartsWith("stopping (SIGTERM; ", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
                "the first SIGTERM was not taken");
            train.Terminate();
            ended = await train.WaitForExitAsync(TimeSpan.FromSeconds(60));
        }
        output.WriteLine(ended.Describe());
        Assert.Equal(143, ended.ExitCode);
        Assert.DoesNotContain(ended.Stdout, l => l.StartsWith("stopped: ", StringComparison.Ordinal));

        var rerun = await CliProcess.RunAsync(TimeSpan.FromSeconds(180), work, args);
        output.WriteLine(rerun.Describe());
        Assert.Equal(0, rerun.ExitCode);
        Assert.Contains(rerun.Stdout, l => l.StartsWith("resuming run twice at generation ", StringComparison.Ordinal));
        Assert.Contains(rerun.Stdout, l => l.StartsWith("done: run twice at generation 12,", StringComparison.Ordinal));
    }
}
