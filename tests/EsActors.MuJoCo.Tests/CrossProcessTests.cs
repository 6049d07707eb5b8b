using System.Diagnostics;
using EsActors.Environments.MuJoCo;
using Xunit.Abstractions;

namespace EsActors.MuJoCo.Tests;

/// <summary>Starts tests/EsActors.MuJoCo.Probe (copied next to this assembly) with <c>dotnet exec</c>.</summary>
public sealed class CrossProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromSeconds(60);
    private readonly string _tempDir = Directory.CreateTempSubdirectory("esactors-mujoco-probe-").FullName;

    [Theory]
    [InlineData("Hopper-v4")]
    [InlineData("Ant-v4")]
    [InlineData("Humanoid-v4")]
    public void Trajectories_are_bit_identical_across_processes(string id)
    {
        const ulong seed = 1234;
        const int steps = 1200;
        string inProcess;
        using (var env = MuJoCoTestSupport.Create(id)) inProcess = TrajectoryProbe.Hash(env, seed, steps);

        var files = new[] { Path.Combine(_tempDir, "a.txt"), Path.Combine(_tempDir, "b.txt") };
        foreach (var file in files)
        {
            var (exit, _, stderr) = RunProbe("trajectory", id, seed.ToString(), steps.ToString(), file);
            Assert.True(exit == 0, $"probe exited with {exit}: {stderr}");
        }
        Assert.Equal(inProcess, File.ReadAllText(files[0]));
        Assert.Equal(inProcess, File.ReadAllText(files[1]));
    }

    [Fact]
    public void A_MuJoCo_error_stops_the_process_at_once_with_the_message()
    {
        var (exit, stdout, stderr) = RunProbe("fatal-error", "probe-triggered error");
        output.WriteLine($"exit {exit}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.NotEqual(0, exit);
        Assert.DoesNotContain("still running", stdout);
        Assert.Contains("MuJoCo fatal error: probe-triggered error", stderr);
        Assert.DoesNotContain("Press Enter", stdout); // MuJoCo's default handler would wait on stdin
    }

    private (int Exit, string Stdout, string Stderr) RunProbe(params string[] args)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "EsActors.MuJoCo.Probe.dll");
        Assert.True(File.Exists(probe), $"probe not found at {probe}");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet)) dotnet = "dotnet";

        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _tempDir,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(probe);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_DbgEnableMiniDump"] = "0";

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the probe");
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(ChildTimeout))
                Assert.Fail($"probe {string.Join(' ', args)} did not finish within {ChildTimeout}");
            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            if (!process.HasExited)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_tempDir, recursive: true); } catch (IOException) { }
    }
}
