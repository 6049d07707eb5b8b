using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace EsActors.Node.Tests.Support;

/// <summary>What a finished CLI process left behind.</summary>
public sealed record CliResult(int ExitCode, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr)
{
    public string Describe() =>
        $"exit code {ExitCode}\n--- stdout ---\n{string.Join('\n', Stdout)}\n--- stderr ---\n{string.Join('\n', Stderr)}";
}

/// <summary>
/// The EsActors CLI as a child process: <c>dotnet EsActors.Node.dll ...</c> (never <c>dotnet run</c>, whose child
/// would outlive a kill). Output lines are collected as they arrive; every wait is bounded; dispose kills the
/// whole process tree if it is still running.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = new(), _stderr = new();
    private readonly SemaphoreSlim _changed = new(0);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The CLI assembly copied next to the test assembly (the test project references the Node project).</summary>
    public static string NodeDll => Path.Combine(AppContext.BaseDirectory, "EsActors.Node.dll");

    /// <summary>The bench executable (only next to tests that reference the Bench project).</summary>
    public static string BenchDll => Path.Combine(AppContext.BaseDirectory, "EsActors.Bench.dll");

    private CliProcess(IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment, string? dll = null,
        IReadOnlyList<string>? launcher = null)
    {
        dll ??= NodeDll;
        if (!File.Exists(dll)) throw new FileNotFoundException($"{Path.GetFileName(dll)} is not in the test output folder", dll);
        var start = new ProcessStartInfo(launcher is null ? "dotnet" : launcher[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (launcher is not null)
        {
            foreach (var a in launcher.Skip(1)) start.ArgumentList.Add(a);
            start.ArgumentList.Add("dotnet");
        }
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
            foreach (var (key, value) in environment) start.Environment[key] = value;
        Arguments = string.Join(' ', args);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(_stdout, _stdoutClosed, e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(_stderr, _stderrClosed, e.Data);
        _process.Exited += (_, _) => _changed.Release();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Arguments { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public static CliProcess Start(string workingDirectory, params string[] args) => new(args, workingDirectory, null);

    /// <summary>Starts the CLI with extra environment variables (e.g. the log level).</summary>
    public static CliProcess Start(string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment) =>
        new(args, workingDirectory, environment);

    /// <summary>
    /// Starts the CLI through a launcher that execs it (e.g. <c>ip netns exec NS</c>: the process keeps the launcher's PID,
    /// so killing it kills the node).
    /// </summary>
    public static CliProcess StartThrough(IReadOnlyList<string> launcher, string workingDirectory, IReadOnlyList<string> args) =>
        new(args, workingDirectory, null, null, launcher);

    /// <summary>Runs the CLI to completion (killing it after <paramref name="timeout"/>) and returns its output.</summary>
    public static async Task<CliResult> RunAsync(TimeSpan timeout, string workingDirectory, params string[] args)
    {
        using var process = Start(workingDirectory, args);
        return await process.WaitForExitAsync(timeout);
    }

    /// <summary>Runs another executable of the solution (e.g. <see cref="BenchDll"/>) the same way.</summary>
    public static async Task<CliResult> RunDllAsync(string dll, TimeSpan timeout, string workingDirectory, params string[] args)
    {
        using var process = new CliProcess(args, workingDirectory, null, dll);
        return await process.WaitForExitAsync(timeout);
    }

    /// <summary>Starts another executable of the solution (e.g. <see cref="BenchDll"/>) in the background.</summary>
    public static CliProcess StartDll(string dll, string workingDirectory, params string[] args) => new(args, workingDirectory, null, dll);

    public IReadOnlyList<string> Stdout { get { lock (_stdout) return _stdout.ToList(); } }
    public IReadOnlyList<string> Stderr { get { lock (_stderr) return _stderr.ToList(); } }

    private void OnLine(List<string> lines, TaskCompletionSource closed, string? line)
    {
        if (line is null) closed.TrySetResult();
        else lock (lines) lines.Add(line);
        _changed.Release();
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for the stdout lines seen so far. Returns false if the process
    /// exits first (after its output is drained) or the timeout passes.
    /// </summary>
    public Task<bool> WaitForStdoutAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout) =>
        WaitForLinesAsync(() => Stdout, _stdoutClosed.Task, condition, timeout);

    /// <summary>The same for stderr, where nodes log membership changes and the optimizer's moves.</summary>
    public Task<bool> WaitForStderrAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout) =>
        WaitForLinesAsync(() => Stderr, _stderrClosed.Task, condition, timeout);

    private async Task<bool> WaitForLinesAsync(Func<IReadOnlyList<string>> lines, Task closed, Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (condition(lines())) return true;
            if (_process.HasExited && closed.IsCompleted) return condition(lines());
            var left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero) return false;
            await _changed.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Waits for the process to exit and its output to be drained; kills it and throws after the timeout.</summary>
    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"'{Arguments}' did not exit within {timeout.TotalSeconds:0} s (killed)\n{Snapshot().Describe()}");
        }
        return Snapshot();
    }

    /// <summary>Output so far (exit code −1 while running).</summary>
    public CliResult Snapshot() => new(_process.HasExited ? _process.ExitCode : -1, Stdout, Stderr);

    /// <summary>
    /// Sends SIGTERM, as a service manager does; Ctrl-C (SIGINT) takes the same graceful path in the node. Tests do not
    /// send SIGINT: a shell without job control starts background jobs with SIGINT ignored, and the children inherit that
    /// (a test run started that way saw every SIGINT ignored).
    /// </summary>
    public void Terminate()
    {
        if (kill(_process.Id, SigTerm) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Kills the process and its children (like kill -9) and waits, bounded, until it is gone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { } // never started or already reaped
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
