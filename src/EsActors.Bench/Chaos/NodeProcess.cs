using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace EsActors.Bench.Chaos;

/// <summary>
/// One EsActors node as an OS process (<c>dotnet EsActors.Node.dll ...</c>) that the chaos run can kill with SIGKILL,
/// stop gracefully with SIGTERM, or freeze with SIGSTOP/SIGCONT. Every line it prints is kept, for counting.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private const int SigKill = 9, SigTerm = 15, SigCont = 18, SigStop = 19;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private readonly Process _process;
    private readonly List<string> _lines = new();

    private NodeProcess(string name, int port, Process process) { Name = name; Port = port; _process = process; }

    public string Name { get; }
    public int Port { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public bool Paused { get; private set; }

    public static NodeProcess Start(string name, int port, IReadOnlyList<string> args, string workingDirectory)
    {
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
        start.Environment["ESACTORS_LOG_LEVEL"] = "Information"; // reissues and handovers are counted from the logs
        var node = new NodeProcess(name, port, new Process { StartInfo = start });
        node._process.OutputDataReceived += (_, e) => node.Add(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.Add(e.Data);
        node._process.Start();
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_lines) _lines.Add(line);
    }

    public int Count(Func<string, bool> match) { lock (_lines) return _lines.Count(match); }

    /// <summary>Index of the last line that matches, or -1.</summary>
    public int LastIndexOf(Func<string, bool> match) { lock (_lines) return _lines.FindLastIndex(l => match(l)); }

    public string Tail(int lines = 8) { lock (_lines) return string.Join("\n", _lines.TakeLast(lines)); }

    public void Kill9() { Resume(); Signal(SigKill); _process.WaitForExit(10_000); }

    /// <summary>A graceful stop. SIGTERM, not SIGINT: a background job of a shell without job control ignores SIGINT.</summary>
    public void Terminate() => Signal(SigTerm);

    public void Pause() { Signal(SigStop); Paused = true; }

    public void Resume()
    {
        if (!Paused) return;
        Signal(SigCont);
        Paused = false;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the exit; a stop of the harness ends the wait at once (and throws).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return false;
        }
    }

    private void Signal(int signal)
    {
        if (!_process.HasExited) kill(_process.Id, signal);
    }

    /// <summary>Writes every line the process printed to <paramref name="path"/> (for reading a chaos run afterwards).</summary>
    public void SaveLog(string path)
    {
        lock (_lines) File.WriteAllLines(path, _lines);
    }

    public void Dispose()
    {
        try
        {
            Resume();
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
        _process.Dispose();
    }
}
