using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Bench.Tests;

/// <summary>
/// A stop of the chaos harness (SIGTERM, as Ctrl-C takes the same path) ends it at once, whatever phase it is in: it
/// does not wait for its undisturbed reference run to finish, exits with 130 and one line, and leaves none of the node
/// processes it started behind.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ChaosStopTests(CliFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_sigterm_during_the_reference_run_stops_the_harness_and_its_node_at_once()
    {
        var folder = fixture.NewFolder("chaos-stop");
        var work = Path.Combine(folder, "work");
        // 2,000 generations: the reference run takes many minutes, so only a harness that heeds the stop ends before it.
        using var chaos = CliProcess.StartDll(CliProcess.BenchDll, folder,
            "chaos", "--faults", "1", "--generations", "2000", "--journal", Path.Combine(folder, "journal.db"), "--work", work);

        var referenceJournal = Path.Combine(work, "reference", "journal.db");
        var children = new List<int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline && !chaos.HasExited && (children.Count == 0 || !File.Exists(referenceJournal)))
        {
            children = ChildProcesses(chaos.Id);
            await Task.Delay(100);
        }
        Assert.True(children.Count > 0 && File.Exists(referenceJournal), $"the reference node never started\n{chaos.Snapshot().Describe()}");

        chaos.Terminate();
        var ended = await chaos.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(ended.Describe());
        Assert.Equal(130, ended.ExitCode);
        Assert.Contains("stopped before the command finished", ended.Stderr);
        Assert.DoesNotContain(ended.Stdout, l => l.StartsWith("reference:", StringComparison.Ordinal));
        Assert.DoesNotContain(ended.Stderr, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
        foreach (var pid in children)
            Assert.False(Directory.Exists($"/proc/{pid}") && !IsZombie(pid), $"node process {pid} outlived the harness");
    }

    private static List<int> ChildProcesses(int pid)
    {
        var children = new List<int>();
        try
        {
            foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                var list = File.ReadAllText(Path.Combine(task, "children"));
                children.AddRange(list.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
        }
        catch (IOException) { } // the process or one of its threads ended while being read
        catch (UnauthorizedAccessException) { }
        return children;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException) { return true; } // gone
    }
}
