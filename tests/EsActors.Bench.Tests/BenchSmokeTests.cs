using EsActors.Bench;
using EsActors.Node.Tests.Support;
using EsActors.Domain.Es;

namespace EsActors.Bench.Tests;

/// <summary>Runs the bench executable with <c>--quick</c> as a process: it must finish and print every section. No timing assertions.</summary>
[Collection(CliCollection.Name)]
public sealed class BenchSmokeTests(CliFixture fixture)
{
    [Fact]
    public async Task Quick_bench_prints_every_section_and_exits_zero()
    {
        var folder = fixture.NewFolder("bench");
        var report = Path.Combine(folder, "bench.md");
        var result = await CliProcess.RunDllAsync(CliProcess.BenchDll, TimeSpan.FromSeconds(120), folder, "--quick", "--out", report);
        Assert.True(result.ExitCode == 0, result.Describe());
        var stdout = string.Join('\n', result.Stdout);
        foreach (var header in new[] { BenchCommand.RawHeader, BenchCommand.ClusterHeader, BenchCommand.CoresHeader, BenchCommand.BarrierHeader, BenchCommand.IdleHeader, BenchCommand.UpdateHeader, BenchCommand.TrafficHeader, BenchCommand.JournalHeader, BenchCommand.SummaryHeader })
            Assert.Contains($"## {header}", stdout);
        Assert.Contains(result.Stdout, l => l.StartsWith("| CartPole-v1 ", StringComparison.Ordinal));
        Assert.Contains(result.Stdout, l => l.StartsWith("| 1 ", StringComparison.Ordinal));
        Assert.Contains(result.Stdout, l => l.StartsWith("| 2 ", StringComparison.Ordinal));
        // The cluster rows are judged against a single-thread replay of their own generations, which must reproduce the journal.
        Assert.Contains("Every replayed return is bit-identical to the journal's.", stdout);
        Assert.DoesNotContain("Replay failed", stdout);
        // Where the cores went (Linux /proc): the k=1 row has shares, not "n/a".
        Assert.Contains(result.Stdout, l => l.StartsWith("| 1 ", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, @"\| [0-9.]+ % +\| [0-9.]+ % +\|"));
        // The barrier simulation schedules the k=2 row's generations again: idle shares for split tail on and off.
        Assert.Contains(result.Stdout, l => l.StartsWith("| barrier k=2, simulated ", StringComparison.Ordinal) && l.Contains("split tail off"));
        // An idle node's CPU, with the shipped settings and with Akka's default timer tick, side by side.
        Assert.Contains(result.Stdout, l => l.StartsWith("| shipped (hocon/) ", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, @"\| [0-9.]+ % +\|"));
        Assert.Contains(result.Stdout, l => l.StartsWith("| Akka's default tick-duration = 10ms ", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, @"\| [0-9.]+ % +\|"));
        Assert.Contains(result.Stdout, l => l.StartsWith("| EsGradient.Estimate ", StringComparison.Ordinal));
        Assert.Contains(result.Stdout, l => l.StartsWith("| RunLogic.Apply", StringComparison.Ordinal));
        foreach (var population in new[] { 64, 256, 1024 })
            Assert.Equal(3, result.Stdout.Count(l => l.StartsWith($"| {population} ", StringComparison.Ordinal)));
        Assert.Contains("the totals do not change with d", stdout);
        Assert.Contains(result.Stdout, l => l.StartsWith("| SQLite (temp file) ", StringComparison.Ordinal) && !l.Contains("failed"));
        Assert.True(File.Exists(report), "--out file missing");
        Assert.Contains($"## {BenchCommand.JournalHeader}", File.ReadAllText(report));
    }

    [Fact]
    public async Task Cluster_only_bench_measures_just_the_requested_sizes_with_the_given_node_config()
    {
        var folder = fixture.NewFolder("bench-cluster-only");
        // A setting every node must accept: a malformed or unknown-typed value would stop the nodes and leave no rows.
        var config = Path.Combine(folder, "nodes.conf");
        File.WriteAllText(config, "esactors.dispatch.split-tail-pairs = off\n");
        var result = await CliProcess.RunDllAsync(CliProcess.BenchDll, TimeSpan.FromSeconds(90), folder, "--quick", "--nodes", "2", "--cluster-only", "--config", config);
        Assert.True(result.ExitCode == 0, result.Describe());
        var stdout = string.Join('\n', result.Stdout);
        foreach (var header in new[] { BenchCommand.RawHeader, BenchCommand.ClusterHeader, BenchCommand.CoresHeader, BenchCommand.BarrierHeader, BenchCommand.IdleHeader, BenchCommand.SummaryHeader })
            Assert.Contains($"## {header}", stdout);
        foreach (var header in new[] { BenchCommand.UpdateHeader, BenchCommand.TrafficHeader, BenchCommand.JournalHeader, BenchCommand.OptimizerCeilingHeader })
            Assert.DoesNotContain($"## {header}", stdout);
        Assert.Contains(result.Stdout, l => l.StartsWith("| 2 ", StringComparison.Ordinal) && !l.Contains("not reached"));
        Assert.DoesNotContain(result.Stdout, l => l.StartsWith("| 1 ", StringComparison.Ordinal));
        Assert.Contains("Every replayed return is bit-identical to the journal's.", stdout);
    }

    [Theory]
    [InlineData("--nodes", "0", "--nodes")]
    [InlineData("--config", "no-such-file.conf", "no-such-file.conf")]
    public async Task Bench_with_bad_options_fails_with_one_line(string option, string value, string mention)
    {
        var folder = fixture.NewFolder("bench-bad");
        var result = await CliProcess.RunDllAsync(CliProcess.BenchDll, TimeSpan.FromSeconds(30), folder, "--quick", option, value);
        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(result.Stderr, l => !string.IsNullOrWhiteSpace(l));
        Assert.StartsWith("error: ", error);
        Assert.Contains(mention, error);
        Assert.DoesNotContain(result.Stdout, l => l.StartsWith("## ", StringComparison.Ordinal));
    }
}
