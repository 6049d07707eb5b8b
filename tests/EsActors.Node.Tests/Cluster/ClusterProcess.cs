using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EsActors.Node.Tests.Cluster;

/// <summary>
/// One EsActors CLI process of a multi-node test (<c>dotnet EsActors.Node.dll ...</c>, never <c>dotnet run</c>):
/// stdout and stderr lines are collected as they arrive, every wait has a deadline, and dispose kills the whole
/// process tree if it still runs. Unlike the single-node helper it takes extra environment variables (log level)
/// and can wait on stderr, where the nodes log membership changes and the optimizer's moves.
/// </summary>
internal sealed class ClusterProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = new(), _stderr = new();
    private readonly SemaphoreSlim _changed = new(0);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static string NodeDll => Path.Combine(AppContext.BaseDirectory, "EsActors.Node.dll");

    private ClusterProcess(string name, string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        if (!File.Exists(NodeDll)) throw new FileNotFoundException("EsActors.Node.dll is not in the test output folder", NodeDll);
        Name = name;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(NodeDll);
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

    public string Name { get; }
    public string Arguments { get; }
    public bool HasExited => _process.HasExited;

    public static ClusterProcess Start(string name, string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        new(name, workingDirectory, args, environment);

    public IReadOnlyList<string> Stdout { get { lock (_stdout) return _stdout.ToList(); } }
    public IReadOnlyList<string> Stderr { get { lock (_stderr) return _stderr.ToList(); } }

    private void OnLine(List<string> lines, TaskCompletionSource closed, string? line)
    {
        if (line is null) closed.TrySetResult();
        else lock (lines) lines.Add(line);
        _changed.Release();
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds for this process (its output so far). Returns false when the
    /// process exits first (once its output is drained) or the timeout passes.
    /// </summary>
    public async Task<bool> WaitForAsync(Func<ClusterProcess, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (condition(this)) return true;
            if (_process.HasExited && _stdoutClosed.Task.IsCompleted && _stderrClosed.Task.IsCompleted) return condition(this);
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero) return false;
            await _changed.WaitAsync(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }
    }

    public Task<bool> WaitForStdoutAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout) =>
        WaitForAsync(p => condition(p.Stdout), timeout);

    public Task<bool> WaitForStderrAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout) =>
        WaitForAsync(p => condition(p.Stderr), timeout);

    /// <summary>Waits for exit and drained output; kills the process and throws after the timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
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
            throw new TimeoutException($"{Name} ('{Arguments}') did not exit within {timeout.TotalSeconds:0} s (killed)\n{Describe()}");
        }
        return _process.ExitCode;
    }

    /// <summary>Like kill -9 of the process and its children; waits, bounded, until it is gone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { } // already reaped
    }

    public string Describe() =>
        $"=== {Name}: {Arguments}\n({State()})\n--- stdout ---\n{string.Join('\n', Stdout)}\n--- stderr ---\n{string.Join('\n', Stderr)}";

    private string State()
    {
        try { return _process.HasExited ? $"exit code {_process.ExitCode}" : "running"; }
        catch (InvalidOperationException) { return "disposed"; }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>A loopback TCP port that was free a moment ago (bound to port 0, then released).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
