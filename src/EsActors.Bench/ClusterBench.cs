using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using EsActors.Node;

namespace EsActors.Bench;

/// <summary>One progress line of <c>train</c>, with the time the bench received it.</summary>
public sealed record ProgressSample(double ReceivedSeconds, int Generation, long Timesteps, double StepsPerSecond, int Slots);

public static partial class ProgressLine
{
    [GeneratedRegex(@"^gen\s+(?<gen>\d+)\s*\|\s*steps\s+(?<steps>\d+)\s*\|.*\|\s*(?<sps>[\d.]+)\s+steps/s\s*\|.*\|\s*slots\s+(?<slots>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Parses a <c>gen ...</c> line of <c>train</c>; null for any other line.</summary>
    public static ProgressSample? Parse(string line, double receivedSeconds)
    {
        var m = Pattern().Match(line);
        if (!m.Success) return null;
        return new ProgressSample(receivedSeconds,
            int.Parse(m.Groups["gen"].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups["steps"].Value, CultureInfo.InvariantCulture),
            double.Parse(m.Groups["sps"].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups["slots"].Value, CultureInfo.InvariantCulture));
    }
}

/// <summary>Throughput over a window of progress samples: total-steps delta over receive-time delta, and the median of the per-generation column.</summary>
public sealed record ThroughputWindow(int Generations, double Seconds, double StepsPerSecond, double MedianGenerationStepsPerSecond, int FirstGeneration)
{
    /// <summary>Steps counted by the window: those of the generations after the first sample's, up to the last sample's.</summary>
    public long Steps { get; init; }

    /// <summary>Progress line number of the window's last sample (a line "gen N" follows N completed generations).</summary>
    public int LastGeneration => FirstGeneration + Generations;

    /// <summary>
    /// The window starts at the first sample showing <paramref name="slots"/> slots, skipping <paramref name="warmup"/>
    /// more generations; null when fewer than two samples are left.
    /// </summary>
    public static ThroughputWindow? From(IReadOnlyList<ProgressSample> samples, int slots, int warmup)
    {
        if (!HasStarted(samples, slots, warmup)) return null;
        var first = FirstWithSlots(samples, slots);
        var window = samples.Skip(first + warmup).Where(s => s.Slots >= slots).ToList();
        if (window.Count < 2) return null;
        var seconds = window[^1].ReceivedSeconds - window[0].ReceivedSeconds;
        if (seconds <= 0) return null;
        var steps = window[^1].Timesteps - window[0].Timesteps;
        if (window[^1].Generation - window[0].Generation != window.Count - 1) return null;
        return new ThroughputWindow(window.Count - 1, seconds, steps / seconds, BenchStats.Median(window.Skip(1).Select(s => s.StepsPerSecond)), window[0].Generation) { Steps = steps };
    }

    /// <summary>Whether the window's first sample has arrived.</summary>
    public static bool HasStarted(IReadOnlyList<ProgressSample> samples, int slots, int warmup)
    {
        var first = FirstWithSlots(samples, slots);
        return first >= 0 && samples.Count > first + warmup;
    }

    private static int FirstWithSlots(IReadOnlyList<ProgressSample> samples, int slots)
    {
        for (var i = 0; i < samples.Count; i++) if (samples[i].Slots >= slots) return i;
        return -1;
    }
}

/// <summary>CPU time of all of a row's node processes over (about) its window: from the poll that saw the window's first
/// progress line to the one that saw its last, so both ends lag the lines by up to one poll interval.</summary>
public sealed record CoreUse(double Seconds, int Cores, double EvaluatorSeconds, double OtherSeconds)
{
    public double Available => Seconds * Cores;
    public double EvaluatorShare => EvaluatorSeconds / Available;
    public double OtherShare => OtherSeconds / Available;
    public double IdleShare => Math.Max(0, 1 - EvaluatorShare - OtherShare);
}

/// <param name="Journal">The row's journal: the generations of its window can be replayed from it.</param>
/// <param name="Cores">Where the cores went during the window; null where /proc cannot be read.</param>
public sealed record ClusterResult(int Nodes, ThroughputWindow? Window, string? Problem, string Journal, CoreUse? Cores = null);

/// <summary>
/// Throughput of k local node processes: <c>train --slots 1</c> as seed plus k − 1 <c>worker --slots 1</c>,
/// measured from train's progress lines once all k slots take part. Every row resumes the same prepared run (the
/// first <see cref="Settings.PrepareGenerations"/> generations, trained once), so all rows do comparable work and
/// episodes already have the length a learning run reaches. Every child is killed at the end.
/// </summary>
public static class ClusterBench
{
    public const string RunId = "bench";

    public sealed record Settings(string EnvironmentId, int? Population, TimeSpan MeasureFor, int MinGenerations, TimeSpan JoinTimeout, TimeSpan MeasureTimeout,
        int Warmup = 2, int PrepareGenerations = 0, string? ConfigFile = null)
    {
        /// <summary><c>--config FILE</c> for every node process, when the bench was given one.</summary>
        public IEnumerable<string> ConfigArguments => ConfigFile is null ? [] : ["--config", ConfigFile];
    }

    /// <summary>Trains the first <see cref="Settings.PrepareGenerations"/> generations on one node with <paramref name="slots"/> slots; returns its journal file.</summary>
    public static async Task<string> Prepare(Settings settings, int slots, string workDirectory, TimeSpan timeout, CancellationToken cancellation)
    {
        var folder = Path.Combine(workDirectory, "prepare");
        Directory.CreateDirectory(folder);
        var journal = Path.Combine(folder, "j.db");
        if (settings.PrepareGenerations <= 0) return journal;
        using var trainer = Child.Start(TrainArguments(settings, journal, folder, slots, settings.PrepareGenerations, port: null), folder);
        var deadline = Stopwatch.StartNew();
        while (!trainer.HasExited)
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"preparing {settings.PrepareGenerations} generations took over {timeout.TotalSeconds:0} s");
            await Task.Delay(100, cancellation);
        }
        if (trainer.ExitCode != 0) throw new InvalidOperationException($"preparing the run failed (exit code {trainer.ExitCode}): {trainer.Tail()}");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return journal;
    }

    private static List<string> TrainArguments(Settings settings, string journal, string folder, int slots, int generations, int? port)
    {
        var train = new List<string> { "train", "--env", settings.EnvironmentId, "--slots", slots.ToString(CultureInfo.InvariantCulture),
            "--journal", journal, "--out", folder, "--run-id", RunId, "--generations", generations.ToString(CultureInfo.InvariantCulture), "--target-return", "1e18" };
        if (port is { } p) train.AddRange(["--port", p.ToString(CultureInfo.InvariantCulture)]);
        if (settings.Population is { } population) train.AddRange(["--population", population.ToString(CultureInfo.InvariantCulture)]);
        train.AddRange(settings.ConfigArguments);
        return train;
    }

    /// <param name="prepared">Journal of the prepared run: copied, so every row starts from the same generation.</param>
    public static async Task<ClusterResult> Measure(int nodes, Settings settings, string workDirectory, string prepared, CancellationToken cancellation)
    {
        var folder = Path.Combine(workDirectory, $"cluster-{nodes}");
        Directory.CreateDirectory(folder);
        var journal = Path.Combine(folder, "j.db");
        if (File.Exists(prepared)) File.Copy(prepared, journal, overwrite: true);
        var port = FreePort();
        var children = new List<Child>();
        try
        {
            var trainer = Child.Start(TrainArguments(settings, journal, folder, 1, 1_000_000, port), folder);
            children.Add(trainer);
            for (var w = 1; w < nodes; w++)
                children.Add(Child.Start(["worker", "--seed-nodes", $"127.0.0.1:{port}", "--journal", journal, "--slots", "1", .. settings.ConfigArguments], folder));

            var joinDeadline = Stopwatch.StartNew();
            while (!trainer.Samples().Any(s => s.Slots >= nodes))
            {
                if (trainer.HasExited) return new ClusterResult(nodes, null, $"train exited with code {trainer.ExitCode}: {trainer.Tail()}", journal);
                if (joinDeadline.Elapsed > settings.JoinTimeout)
                    return new ClusterResult(nodes, null, $"slots {nodes} not reached within {settings.JoinTimeout.TotalSeconds:0} s (last: slots {trainer.Samples().LastOrDefault()?.Slots ?? 0})", journal);
                await Task.Delay(100, cancellation);
            }
            var measure = Stopwatch.StartNew();
            (ThreadCpu.Sample? Cpu, TimeSpan At) start = (null, TimeSpan.Zero);
            while (true)
            {
                var samples = trainer.Samples();
                if (start.At == TimeSpan.Zero && ThroughputWindow.HasStarted(samples, nodes, settings.Warmup)) start = (ReadCpu(children), measure.Elapsed);
                var window = ThroughputWindow.From(samples, nodes, settings.Warmup);
                if (window is not null && window.Seconds >= settings.MeasureFor.TotalSeconds && window.Generations >= settings.MinGenerations)
                    return new ClusterResult(nodes, window, null, journal, CoresSince(start, children, measure.Elapsed, nodes));
                if (trainer.HasExited || measure.Elapsed > settings.MeasureTimeout)
                    return new ClusterResult(nodes, window, window is null ? "too few generations in time" : null, journal);
                await Task.Delay(50, cancellation);
            }
        }
        finally
        {
            foreach (var child in children) child.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>
    /// CPU an idle cluster costs: two <c>worker</c> processes (the first its own seed) with no run, once both are Up
    /// and <paramref name="settle"/> has passed; returns the mean CPU per node as a share of one core over
    /// <paramref name="window"/>, or a problem. This is what every node pays whatever it evaluates: timers, gossip,
    /// heartbeats and the thread-pool wake-ups they cause, taken from the evaluators' cores.
    /// </summary>
    public static async Task<(double? ShareOfCore, string? Problem)> MeasureIdle(string? configFile, TimeSpan settle, TimeSpan window, string workDirectory, CancellationToken cancellation)
    {
        var folder = Path.Combine(workDirectory, "idle");
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var config = configFile is null ? Array.Empty<string>() : ["--config", configFile];
        var children = new List<Child>();
        try
        {
            children.Add(Child.Start(["worker", "--port", port.ToString(CultureInfo.InvariantCulture), "--seed-nodes", $"127.0.0.1:{port}", "--slots", "1", .. config], folder));
            children.Add(Child.Start(["worker", "--seed-nodes", $"127.0.0.1:{port}", "--slots", "1", .. config], folder));
            var deadline = Stopwatch.StartNew();
            while (!children.All(c => c.Saw(l => l.StartsWith("worker ", StringComparison.Ordinal) && l.Contains(" up with ", StringComparison.Ordinal))))
            {
                if (children.FirstOrDefault(c => c.HasExited) is { } gone) return (null, $"a worker exited with code {gone.ExitCode}: {gone.Tail()}");
                if (deadline.Elapsed > TimeSpan.FromSeconds(60)) return (null, "the workers did not come up within 60 s");
                await Task.Delay(100, cancellation);
            }
            await Task.Delay(settle, cancellation);
            var start = ReadCpu(children);
            var clock = Stopwatch.StartNew();
            await Task.Delay(window, cancellation);
            var end = ReadCpu(children);
            if (start is null || end is null) return (null, "n/a (no /proc)");
            return ((end - start).TotalSeconds / children.Count / clock.Elapsed.TotalSeconds, null);
        }
        finally
        {
            foreach (var child in children) child.Dispose();
        }
    }

    /// <summary>CPU of every child, summed; null if any cannot be read (not Linux, or a child is gone).</summary>
    private static ThreadCpu.Sample? ReadCpu(IEnumerable<Child> children)
    {
        var sum = ThreadCpu.Sample.Zero;
        foreach (var child in children)
        {
            if (ThreadCpu.Read(child.ProcessId) is not { } sample) return null;
            sum += sample;
        }
        return sum;
    }

    private static CoreUse? CoresSince((ThreadCpu.Sample? Cpu, TimeSpan At) start, IEnumerable<Child> children, TimeSpan now, int nodes)
    {
        if (start.Cpu is null || ReadCpu(children) is not { } end || now <= start.At) return null;
        var used = end - start.Cpu;
        return new CoreUse((now - start.At).TotalSeconds, Math.Min(nodes, Environment.ProcessorCount), used.EvaluatorSeconds, used.OtherSeconds);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The Node executable as a child: <c>dotnet EsActors.Node.dll ...</c>; its progress lines are time-stamped on arrival.</summary>
    private sealed class Child : IDisposable
    {
        private static readonly Stopwatch Clock = Stopwatch.StartNew();
        private readonly Process _process;
        private readonly List<ProgressSample> _samples = new();
        private readonly Queue<string> _tail = new();
        private readonly List<string> _firstLines = new();

        private Child(Process process) { _process = process; }

        public static Child Start(IReadOnlyList<string> args, string workingDirectory)
        {
            // The node is EsActors.Node.dll next to this assembly, run by the same dotnet host as the bench (or "dotnet" on PATH).
            var dll = typeof(EsActors.Node.Program).Assembly.Location;
            var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? p : "dotnet";
            var start = new ProcessStartInfo(host)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
                StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
            };
            start.ArgumentList.Add(dll);
            foreach (var a in args) start.ArgumentList.Add(a);
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            var child = new Child(new Process { StartInfo = start });
            child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data, stdout: true);
            child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, stdout: false);
            child._process.Start();
            child._process.BeginOutputReadLine();
            child._process.BeginErrorReadLine();
            return child;
        }

        private void OnLine(string? line, bool stdout)
        {
            if (line is null) return;
            var now = Clock.Elapsed.TotalSeconds;
            lock (_samples)
            {
                if (stdout && ProgressLine.Parse(line, now) is { } sample) _samples.Add(sample);
                else
                {
                    if (_firstLines.Count < 50) _firstLines.Add(line);
                    _tail.Enqueue(line);
                    while (_tail.Count > 5) _tail.Dequeue();
                }
            }
        }

        public IReadOnlyList<ProgressSample> Samples() { lock (_samples) return _samples.ToList(); }
        public string Tail() { lock (_samples) return string.Join(" / ", _tail); }
        /// <summary>Whether one of the first lines that were not progress lines matches.</summary>
        public bool Saw(Func<string, bool> match) { lock (_samples) return _firstLines.Any(match); }
        public bool HasExited => _process.HasExited;
        public int ProcessId => _process.Id;
        public int ExitCode => _process.HasExited ? _process.ExitCode : -1;

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            catch (InvalidOperationException) { }
            catch (System.ComponentModel.Win32Exception) { }
            _process.Dispose();
        }
    }
}
