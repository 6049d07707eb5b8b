using EsActors.Node.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// Journal faults in the middle of a run, with real processes: the optimizer's write fails, it stops, the run host
/// starts it again with backoff, it recovers from the journal (rolling back whatever was applied but not written;
/// the replicas are reset to its state) and the run ends exactly where an undisturbed run ends.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class JournalFaultProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    private static string[] TrainArguments(string outDirectory) =>
    [
        "train", "--env", "Pendulum-v1", "--run-id", "J", "--out", outDirectory, "--generations", "150",
        "--target-return", "100000", "--seed", "5", "--slots", "1",
    ];

    [Fact]
    public async Task A_run_whose_SQLite_journal_is_locked_by_another_process_pauses_and_then_finishes_bit_identically()
    {
        var work = fixture.NewFolder("journal-locked");
        var disturbed = Path.Combine(work, "locked");
        CliResult result;
        using (var train = CliProcess.Start(work, TrainArguments(disturbed)))
        {
            Assert.True(await train.WaitForStdoutAsync(lines => lines.Count(l => l.StartsWith("gen ", StringComparison.Ordinal)) >= 5, Timeout),
                $"no progress before the lock\n{train.Snapshot().Describe()}");
            // Another process (this test) takes the journal's write lock and holds it until the run says it paused.
            using (var holder = new SqliteConnection($"Data Source={Path.Combine(disturbed, "journal.db")};Pooling=False;Default Timeout=60"))
            {
                holder.Open();
                using (var begin = holder.CreateCommand()) { begin.CommandText = "BEGIN EXCLUSIVE"; begin.ExecuteNonQuery(); }
                var paused = await train.WaitForStderrAsync(lines => lines.Any(l => l.Contains("run J paused", StringComparison.Ordinal)), Timeout);
                using (var rollback = holder.CreateCommand()) { rollback.CommandText = "ROLLBACK"; rollback.ExecuteNonQuery(); }
                Assert.True(paused, $"the run never said it paused while its journal was locked\n{train.Snapshot().Describe()}");
            }
            result = await train.WaitForExitAsync(Timeout);
        }
        output.WriteLine($"=== locked mid-run: {result.Describe()}");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Stdout, l => l.StartsWith("done: run J at generation 150", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", string.Join('\n', result.Stderr.Concat(result.Stdout)));

        var undisturbed = Path.Combine(work, "undisturbed");
        var reference = await CliProcess.RunAsync(Timeout, work, TrainArguments(undisturbed));
        Assert.Equal(0, reference.ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(undisturbed, "J", "policy.bin")), File.ReadAllBytes(Path.Combine(disturbed, "J", "policy.bin")));
        Assert.Equal(File.ReadAllText(Path.Combine(undisturbed, "J", "progress.csv")).Split('\n').Length,
            File.ReadAllText(Path.Combine(disturbed, "J", "progress.csv")).Split('\n').Length); // no generation missing or twice
    }

    [Fact]
    public async Task A_full_disk_pauses_the_run_without_damaging_its_journal_and_it_finishes_bit_identically_once_space_is_freed()
    {
        var work = fixture.NewFolder("disk-full");
        var disk = Path.Combine(work, "disk");
        string[] Run(string outDirectory) =>
        [
            "train", "--env", "Pendulum-v1", "--run-id", "D", "--out", outDirectory, "--generations", "60",
            "--target-return", "100000", "--seed", "7", "--slots", "1",
        ];
        CliResult result;
        // The run's folder (journal, progress.csv, logs) on a 4 MiB file system of its own, which the test then fills.
        using (var small = SmallFileSystem.Mount(disk, "4m"))
        using (var train = CliProcess.Start(work, Run(Path.Combine(disk, "out"))))
        {
            Assert.True(await train.WaitForStdoutAsync(lines => lines.Count(l => l.StartsWith("gen ", StringComparison.Ordinal)) >= 5, Timeout),
                $"no progress before the disk filled\n{train.Snapshot().Describe()}");
            var filler = Path.Combine(disk, "filler");
            small.Fill(filler);
            var paused = await train.WaitForStderrAsync(lines => lines.Any(l => l.Contains("run D paused", StringComparison.Ordinal) && l.Contains("full", StringComparison.Ordinal)), Timeout);
            File.Delete(filler);
            Assert.True(paused, $"the run never said it paused on a full disk\n{train.Snapshot().Describe()}");
            result = await train.WaitForExitAsync(Timeout);
            output.WriteLine($"=== disk full mid-run: {result.Describe()}");
            Assert.Equal(0, result.ExitCode);
            Assert.Contains(result.Stdout, l => l.StartsWith("done: run D at generation 60", StringComparison.Ordinal));
            Assert.DoesNotContain("   at ", string.Join('\n', result.Stderr.Concat(result.Stdout)));
            Assert.Equal("ok", ScalarText(Path.Combine(disk, "out", "journal.db"), "PRAGMA integrity_check"));
            File.Copy(Path.Combine(disk, "out", "D", "policy.bin"), Path.Combine(work, "disturbed-policy.bin"));
            File.Copy(Path.Combine(disk, "out", "D", "progress.csv"), Path.Combine(work, "disturbed-progress.csv"));
        }

        var undisturbed = Path.Combine(work, "undisturbed");
        Assert.Equal(0, (await CliProcess.RunAsync(Timeout, work, Run(undisturbed))).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(undisturbed, "D", "policy.bin")), File.ReadAllBytes(Path.Combine(work, "disturbed-policy.bin")));
        Assert.Equal(File.ReadAllLines(Path.Combine(undisturbed, "D", "progress.csv")).Length, File.ReadAllLines(Path.Combine(work, "disturbed-progress.csv")).Length);
    }

    private static string ScalarText(string journal, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={journal};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar()) ?? "";
    }

    /// <summary>A short Pendulum run with a snapshot every 5 generations, in its own folder and journal.</summary>
    private static string[] ShortRun(string work, int generations) =>
    [
        "train", "--env", "Pendulum-v1", "--run-id", "S", "--out", Path.Combine(work, "out"), "--generations", generations.ToString(),
        "--target-return", "100000", "--seed", "2", "--slots", "1", "--config", Path.Combine(work, "snapshots.conf"),
    ];

    private static async Task<string> ShortRunFolder(CliFixture fixture, string name)
    {
        var work = fixture.NewFolder(name);
        await File.WriteAllTextAsync(Path.Combine(work, "snapshots.conf"), "esactors.run.snapshot-every = 5\n");
        return work;
    }

    private static int Execute(string journal, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={journal};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt32(command.ExecuteScalar() ?? command.ExecuteNonQuery());
    }

    [Fact]
    public async Task A_snapshot_that_does_not_decode_falls_back_to_replaying_the_events_and_the_run_ends_bit_identically()
    {
        var work = await ShortRunFolder(fixture, "corrupt-snapshot");
        Assert.Equal(0, (await CliProcess.RunAsync(Timeout, work, ShortRun(work, 20))).ExitCode);
        var journal = Path.Combine(work, "out", "journal.db");
        Assert.True(Execute(journal, "UPDATE snapshot SET snapshot = X'DEADBEEF01020304'; SELECT changes();") > 0, "the run saved no snapshot");

        var resumed = await CliProcess.RunAsync(Timeout, work, ShortRun(work, 30));
        output.WriteLine($"=== resumed over a corrupt snapshot: {resumed.Describe()}");
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains(resumed.Stderr, l => l.Contains("the next start replays the events without the snapshot", StringComparison.Ordinal));

        var reference = await ShortRunFolder(fixture, "corrupt-snapshot-reference");
        Assert.Equal(0, (await CliProcess.RunAsync(Timeout, reference, ShortRun(reference, 30))).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference, "out", "S", "policy.bin")), File.ReadAllBytes(Path.Combine(work, "out", "S", "policy.bin")));
    }

    [Fact]
    public async Task An_event_that_does_not_decode_is_found_at_recovery_and_the_run_ends_with_one_error_appending_nothing()
    {
        var work = await ShortRunFolder(fixture, "corrupt-event");
        Assert.Equal(0, (await CliProcess.RunAsync(Timeout, work, ShortRun(work, 20))).ExitCode);
        var journal = Path.Combine(work, "out", "journal.db");
        // Event 8 lies before the last snapshot: a recovery from the snapshot alone would never read it.
        Execute(journal, "UPDATE journal SET message = X'0102' WHERE persistence_id = 'esrun-S' AND sequence_number = 8");
        // The run's own events and snapshots (the run host's record of which runs it hosts may note the attempt).
        const string runRows = "SELECT (SELECT COUNT(*) FROM journal WHERE persistence_id = 'esrun-S') + (SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'esrun-S')";
        var before = Execute(journal, runRows);

        var resumed = await CliProcess.RunAsync(Timeout, work, ShortRun(work, 30));
        output.WriteLine($"=== resumed over a corrupt event: {resumed.Describe()}");
        Assert.NotEqual(0, resumed.ExitCode);
        var error = Assert.Single(resumed.Stderr, l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("does not decode", error);
        Assert.Equal(before, Execute(journal, runRows)); // nothing appended to the run
    }
}
