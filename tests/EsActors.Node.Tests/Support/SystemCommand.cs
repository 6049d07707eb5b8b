using System.Diagnostics;

namespace EsActors.Node.Tests.Support;

/// <summary>Runs a system tool (ip, mount, umount) to completion, bounded, and returns its exit code and output.</summary>
public static class SystemCommand
{
    /// <summary>Exit code -1 with a message when the tool did not finish in 30 s (it is killed).</summary>
    public static (int Code, string Text) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(30_000)) { process.Kill(); return (-1, $"{file} did not finish in 30 s"); }
        return (process.ExitCode, error.Result + text);
    }
}
