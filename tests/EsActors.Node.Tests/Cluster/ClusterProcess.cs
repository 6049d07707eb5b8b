using System.Net;
using System.Net.Sockets;
using EsActors.Node.Tests.Support;

namespace EsActors.Node.Tests.Cluster;

/// <summary>
/// One named CLI process of a multi-node test: a <see cref="CliProcess"/> (output collected, bounded waits, the whole
/// tree killed on dispose) with a name for the failure report and the exit code as the result of a wait.
/// </summary>
internal sealed class ClusterProcess : IDisposable
{
    private readonly CliProcess _process;

    private ClusterProcess(string name, CliProcess process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }
    public bool HasExited => _process.HasExited;
    public IReadOnlyList<string> Stdout => _process.Stdout;
    public IReadOnlyList<string> Stderr => _process.Stderr;

    public static ClusterProcess Start(string name, string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        new(name, CliProcess.Start(workingDirectory, args, environment));

    /// <summary>Starts the CLI inside a network namespace of <paramref name="lab"/> (node <paramref name="node"/>).</summary>
    public static ClusterProcess StartIn(NetworkLab lab, int node, string name, string workingDirectory, IReadOnlyList<string> args) =>
        new(name, CliProcess.StartThrough(["ip", .. lab.Prefix(node)], workingDirectory, args));

    public Task<bool> WaitForStdoutAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout) => _process.WaitForStdoutAsync(condition, timeout);

    public Task<bool> WaitForStderrAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout) => _process.WaitForStderrAsync(condition, timeout);

    /// <summary>Waits for exit and drained output; kills the process and throws after the timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try { return (await _process.WaitForExitAsync(timeout)).ExitCode; }
        catch (TimeoutException e) { throw new TimeoutException($"{Name}: {e.Message}"); }
    }

    public void Kill() => _process.Kill();

    public string Describe() => $"=== {Name}: {_process.Arguments}\n{_process.Snapshot().Describe()}";

    public void Dispose() => _process.Dispose();

    /// <summary>A loopback TCP port that was free a moment ago (bound to port 0, then released).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
