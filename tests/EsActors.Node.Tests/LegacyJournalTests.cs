using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// A journal written by an older build keeps working. Fixtures/legacy-v2 was recorded with the build of commit
/// 3897e89 (before the Node's re-layout): <c>train --env Pendulum-v1 --run-id legacy-v2 --seed 11 --config legacy.conf</c>
/// with <c>--generations 5</c> (journal.db, policy-gen5.bin) and, in another folder, <c>--generations 8</c>
/// (policy-gen8.bin). Events, snapshots (every 2 generations) and the run host's record must all still read.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class LegacyJournalTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "legacy-v2");

    private string CopyFixture(string name)
    {
        var work = fixture.NewFolder(name);
        File.Copy(Path.Combine(Fixtures, "journal.db"), Path.Combine(work, "journal.db"));
        return work;
    }

    [Fact]
    public async Task A_journal_recorded_before_the_relayout_exports_the_same_policy()
    {
        var work = CopyFixture("legacy-export");
        var result = await CliProcess.RunAsync(Timeout, work, "export", "--run-id", "legacy-v2", "--journal", Path.Combine(work, "journal.db"), "--out", work);
        output.WriteLine(result.Describe());
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Fixtures, "policy-gen5.bin")),
            await File.ReadAllBytesAsync(Path.Combine(work, "legacy-v2", "policy.bin")));
        Assert.True(new FileInfo(Path.Combine(work, "legacy-v2", "curve.png")).Length > 1000, "export writes the run's curve.png too");
    }

    [Fact]
    public async Task A_journal_recorded_before_the_relayout_resumes_to_the_policy_an_uninterrupted_old_run_reached()
    {
        var work = CopyFixture("legacy-resume");
        var result = await CliProcess.RunAsync(Timeout, work, "train", "--env", "Pendulum-v1", "--run-id", "legacy-v2", "--seed", "11",
            "--generations", "8", "--config", Path.Combine(Fixtures, "legacy.conf"), "--out", work, "--journal", Path.Combine(work, "journal.db"));
        output.WriteLine(result.Describe());
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Stdout, l => l.StartsWith("resuming", StringComparison.Ordinal) && l.Contains("at generation 5"));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Fixtures, "policy-gen8.bin")),
            await File.ReadAllBytesAsync(Path.Combine(work, "legacy-v2", "policy.bin")));
    }
}
