using System.Text.Json;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests.Cluster;

/// <summary>
/// Logs of real processes: a run's log.jsonl holds compact-JSON events with structured properties, the level follows
/// --log-level over ESACTORS_LOG_LEVEL, and a worker leaving gracefully (Ctrl-C) and a status query log no ERROR on
/// any node.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class LoggingProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static bool IsGeneration(string line) => line.StartsWith("gen ", StringComparison.Ordinal);

    [Fact]
    public async Task A_worker_leaving_and_a_status_query_log_no_error_and_the_run_log_is_json_lines()
    {
        var work = fixture.NewFolder("logging");
        var port = ClusterProcess.FreePort();
        var outDirectory = Path.Combine(work, "out");
        // The environment variable asks for warnings only; the option asks for information and wins.
        var warningsOnly = new Dictionary<string, string> { ["ESACTORS_LOG_LEVEL"] = "warning" };
        var processes = new List<CliProcess>();
        try
        {
            var train = CliProcess.Start(work, ["train", "--env", "Pendulum-v1", "--run-id", "G", "--out", outDirectory, "--generations", "100000",
                "--target-return", "100000", "--slots", "1", "--port", $"{port}", "--log-level", "information"], warningsOnly);
            processes.Add(train);
            Assert.True(await train.WaitForStdoutAsync(l => l.Count(IsGeneration) >= 2, Timeout), "train never printed 2 generations");

            var worker = CliProcess.Start(work, ["worker", "--seed-nodes", $"127.0.0.1:{port}", "--slots", "1"], warningsOnly);
            processes.Add(worker);
            Assert.True(await worker.WaitForStdoutAsync(l => l.Any(x => x.Contains("up with 1 slots")), Timeout), "the worker never came up");
            var generationsWithWorker = train.Stdout.Count(IsGeneration);
            Assert.True(await train.WaitForStdoutAsync(l => l.Count(IsGeneration) >= generationsWithWorker + 5 && l.Last(IsGeneration).EndsWith("slots 2"), Timeout),
                "the worker's slot never took part");

            worker.Terminate();
            var left = await worker.WaitForExitAsync(Timeout);
            Assert.Equal(0, left.ExitCode);
            Assert.Contains(left.Stdout, l => l.Contains("leaving"));
            Assert.True(await train.WaitForStderrAsync(l => l.Any(x => x.Contains("Member removed")), Timeout), "the train node never removed the worker");

            var status = await CliProcess.RunAsync(Timeout, work, "status", "--seed-nodes", $"127.0.0.1:{port}");
            Assert.Equal(0, status.ExitCode);
            Assert.Contains(status.Stdout, l => l.StartsWith("run G: generation", StringComparison.Ordinal));
            // The status node has left once the train node removes it again (its connection closing is what used to log an ERROR).
            Assert.True(await train.WaitForStderrAsync(l => l.Count(x => x.Contains("Member removed")) >= 2, Timeout), "the train node never removed the status node");
            var generationsNow = train.Stdout.Count(IsGeneration);
            Assert.True(await train.WaitForStdoutAsync(l => l.Count(IsGeneration) >= generationsNow + 3, Timeout), "training stopped after the leave");

            train.Terminate();
            var stopped = await train.WaitForExitAsync(Timeout);
            Assert.Equal(130, stopped.ExitCode);
            foreach (var (name, result) in new[] { ("train", stopped), ("worker", left), ("status", status) })
                Assert.DoesNotContain(result.Stderr, l => l.Contains("[ERR]") || l.Contains("[FTL]"));
            Assert.Contains(stopped.Stderr, l => l.Contains("[INF] Member removed")); // --log-level information beat ESACTORS_LOG_LEVEL=warning
            Assert.DoesNotContain(left.Stderr, l => l.Contains("[INF]")); // the worker had no option: the variable's level

            var events = File.ReadAllLines(Path.Combine(outDirectory, "G", "log.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.All(events, e => { Assert.True(e.TryGetProperty("@t", out _)); Assert.True(e.TryGetProperty("@mt", out _)); });
            Assert.DoesNotContain(events, e => e.TryGetProperty("@l", out var level) && level.GetString() is "Error" or "Fatal");
            var hosting = Assert.Single(events, e => e.GetProperty("@mt").GetString() == "Hosting the optimizer of run {RunId}");
            Assert.Equal("G", hosting.GetProperty("RunId").GetString()); // template arguments are properties, not text
            Assert.Contains("optimizer", hosting.GetProperty("ActorPath").GetString());
            Assert.Contains(events, e => e.GetProperty("@mt").GetString()!.StartsWith("Generation {Generation} of run {RunId}") && e.GetProperty("Generation").GetInt32() == 1);
        }
        finally
        {
            foreach (var process in processes)
            {
                output.WriteLine($"=== {process.Arguments}\n{process.Snapshot().Describe()}");
                process.Dispose();
            }
        }
    }
}
