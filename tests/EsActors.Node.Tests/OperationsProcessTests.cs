using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using EsActors.Node.Operations;
using EsActors.Node.Tests.Cluster;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// Cluster operations over HTTP on loopback: <c>train --management PORT</c> read by <c>status --management URL</c>
/// without joining, and <c>train --dashboard PORT</c> loaded in headless Chromium.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class OperationsProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static CliProcess StartTraining(string work, params string[] extra) =>
        CliProcess.Start(work, ["train", "--env", "Pendulum-v1", "--run-id", "P", "--out", Path.Combine(work, "out"),
            "--generations", "100000", "--target-return", "100000", "--slots", "1", .. extra], null);

    private static Task<bool> Generations(CliProcess train, int count) =>
        train.WaitForStdoutAsync(l => l.Count(x => x.StartsWith("gen ", StringComparison.Ordinal)) >= count, Timeout);

    [Fact]
    public async Task Status_over_management_lists_the_members_and_the_active_run_without_joining()
    {
        var work = fixture.NewFolder("management");
        var port = ClusterProcess.FreePort();
        using var train = StartTraining(work, "--management", $"{port}");
        try
        {
            Assert.True(await Generations(train, 3), "train never printed 3 generations");
            Assert.Contains($"management: http://127.0.0.1:{port}/", train.Stdout);

            var status = await CliProcess.RunAsync(TimeSpan.FromSeconds(30), work, "status", "--management", $"http://127.0.0.1:{port}");
            output.WriteLine(status.Describe());
            Assert.Equal(0, status.ExitCode);
            Assert.Equal("members (1):", status.Stdout[0]);
            Assert.Matches(@"^  akka\.tcp://esactors@127\.0\.0\.1:\d+ Up roles .*slots-1", status.Stdout[1]);
            Assert.Contains(status.Stdout, l => Regex.IsMatch(l, @"^run P: generation [1-9]\d*, \d+ timesteps, eval .*, running,"));
            Assert.Contains(status.Stdout, l => Regex.IsMatch(l, @"^  node 127\.0\.0\.1:\d+:-?\d+: slots 1, batches [1-9]"));
            // The observer never joined: the node saw no second member come and go.
            Assert.DoesNotContain(train.Stderr, l => l.Contains("joining", StringComparison.OrdinalIgnoreCase));

            // The web host leaves Ctrl-C to train: it stops the run gracefully with its resume hint.
            train.Terminate();
            var stopped = await train.WaitForExitAsync(Timeout);
            Assert.Equal(130, stopped.ExitCode);
            Assert.Contains(stopped.Stdout, l => l.StartsWith("to resume: ", StringComparison.Ordinal));
        }
        finally { output.WriteLine(train.Snapshot().Describe()); }
    }

    [Fact]
    public async Task A_workers_management_endpoint_lists_both_members_and_the_run_it_works_for()
    {
        var work = fixture.NewFolder("management-worker");
        var clusterPort = ClusterProcess.FreePort();
        var managementPort = ClusterProcess.FreePort();
        using var train = StartTraining(work, "--port", $"{clusterPort}");
        using var worker = CliProcess.Start(work, ["worker", "--seed-nodes", $"127.0.0.1:{clusterPort}", "--slots", "1", "--management", $"{managementPort}"], null);
        try
        {
            Assert.True(await Generations(train, 2), "train never printed 2 generations");
            Assert.True(await worker.WaitForStdoutAsync(l => l.Any(x => x.Contains("up with 1 slots")), Timeout), "the worker never came up");
            Assert.Contains($"management: http://127.0.0.1:{managementPort}/", worker.Stdout);
            Assert.True(await train.WaitForStdoutAsync(l => l.Last(x => x.StartsWith("gen ", StringComparison.Ordinal)).EndsWith("slots 2"), Timeout),
                "the worker's slot never took part");

            var status = await CliProcess.RunAsync(TimeSpan.FromSeconds(30), work, "status", "--management", $"http://127.0.0.1:{managementPort}/");
            output.WriteLine(status.Describe());
            Assert.Equal(0, status.ExitCode);
            Assert.Equal("members (2):", status.Stdout[0]);
            Assert.All(status.Stdout.Skip(1).Take(2), l => Assert.Matches(@"^  akka\.tcp://esactors@127\.0\.0\.1:\d+ Up roles ", l));
            Assert.Contains(status.Stdout, l => l.StartsWith("run P: generation ", StringComparison.Ordinal));
            Assert.Equal(2, status.Stdout.Count(l => Regex.IsMatch(l, @"^  node 127\.0\.0\.1:\d+:-?\d+: slots 1, ")));
        }
        finally
        {
            output.WriteLine(worker.Snapshot().Describe());
            output.WriteLine(train.Snapshot().Describe());
        }
    }

    [Fact]
    public async Task Status_over_management_with_nothing_listening_fails_within_seconds_with_one_line_and_exit_code_5()
    {
        var work = fixture.NewFolder("management-closed");
        var port = ClusterProcess.FreePort();
        var clock = Stopwatch.StartNew();
        var status = await CliProcess.RunAsync(TimeSpan.FromSeconds(30), work, "status", "--management", $"http://127.0.0.1:{port}");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s\n{status.Describe()}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(ExitCodes.ClusterUnreachable, status.ExitCode);
        var line = Assert.Single(status.Stderr);
        Assert.StartsWith($"error: cannot reach the management endpoint at http://127.0.0.1:{port}", line);
        Assert.Empty(status.Stdout);
    }

    [Theory]
    [InlineData("status --management not-a-url", "error: --management expects a URL like http://127.0.0.1:8558, got 'not-a-url'")]
    [InlineData("status --management http://127.0.0.1:1 --seed-nodes 127.0.0.1:2", "error: status takes --management or --seed-nodes, not both")]
    [InlineData("status", "error: status needs --management http://host:port of a node's management endpoint or --seed-nodes host:port of a running node")]
    [InlineData("train --dashboard 70000", "error: --dashboard: port must be between 1 and 65535, got 70000")]
    public async Task Bad_operations_input_gets_one_error_line_and_exit_code_2(string args, string expected)
    {
        var work = fixture.NewFolder("operations-bad-input");
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), work, [.. args.Split(' '), .. args.StartsWith("train") ? new[] { "--out", Path.Combine(work, "out") } : []]);
        output.WriteLine(result.Describe());
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Equal(expected, Assert.Single(result.Stderr));
    }

    [Fact]
    public async Task Dashboard_shows_the_run_its_members_and_the_learning_curve_in_headless_Chromium()
    {
        var work = fixture.NewFolder("dashboard");
        var port = ClusterProcess.FreePort();
        var url = $"http://127.0.0.1:{port}/";
        using var train = StartTraining(work, "--dashboard", $"{port}");
        try
        {
            Assert.True(await Generations(train, 3), "train never printed 3 generations");
            Assert.Contains($"dashboard: {url}", train.Stdout);

            // The JSON the page is drawn from.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var data = await http.GetFromJsonAsync<DashboardSnapshot>(url + "api/dashboard", OpsServer.Json);
            Assert.NotNull(data);
            Assert.Equal("P", data.RunId);
            Assert.True(data.Curve.Count >= 3, $"{data.Curve.Count} curve points");
            Assert.Equal(Enumerable.Range(1, data.Curve.Count), data.Curve.Select(p => p.Generation));
            Assert.True(data.Curve.Zip(data.Curve.Skip(1)).All(p => p.Item2.TrainingTimesteps > p.Item1.TrainingTimesteps));
            var member = Assert.Single(data.Members);
            Assert.Equal(("Up", 1), (member.Status, member.Slots));
            Assert.True(member.Batches > 0 && member.StepsPerBusySecond > 0);
            Assert.Contains(data.Settings, s => s.Key == "environment" && s.Value == "Pendulum-v1");

            // The page as a browser shows it.
            var dom = await Chromium(work, "--dump-dom", url);
            Assert.Contains("<span id=\"run-id\">P</span>", dom);
            Assert.Matches(@"<tr class=""member""><td>akka\.tcp://esactors@127\.0\.0\.1:\d+</td><td>Up</td><td class=""n"">1</td><td class=""n"">[1-9]", dom);
            Assert.True(Regex.Count(dom, "<circle class=\"point eval\"") >= 3, "fewer than 3 curve points in the page");
            Assert.Contains("<td>Pendulum-v1</td>", dom);

            var screenshot = Path.Combine(work, "dashboard.png");
            await Chromium(work, $"--screenshot={screenshot}", "--window-size=1200,800", url);
            Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is missing or empty");
        }
        finally { output.WriteLine(train.Snapshot().Describe()); }
    }

    /// <summary>Debian's chromium, headless, with its own profile folder; killed if it outlives the deadline.</summary>
    private async Task<string> Chromium(string work, params string[] args)
    {
        var start = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={Path.Combine(work, "chromium-profile")}" }.Concat(args))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw new TimeoutException("chromium did not finish within 60 s"); }
        output.WriteLine($"chromium {string.Join(' ', args)}: exit {process.ExitCode}\n{await stderr}");
        Assert.Equal(0, process.ExitCode);
        return await stdout;
    }
}
