using EsActors.Node.Tests.Support;

namespace EsActors.Bench.Tests;

/// <summary>
/// The short chaos run CI does on every change: a cluster of node processes on loopback with a PostgreSQL journal,
/// five faults (SIGKILL of workers or of the optimizer's node, graceful stops, SIGSTOP pauses, new workers) at seeded
/// points of the run; it must complete with one event per generation and the undisturbed run's policy, byte for byte.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ChaosRunTests(CliFixture fixture)
{
    [Fact]
    public async Task Five_faults_on_a_PostgreSQL_journal_leave_the_run_complete_and_its_policy_identical()
    {
        var postgres = Environment.GetEnvironmentVariable("ESACTORS_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(postgres))
            Assert.Fail("ESACTORS_TEST_POSTGRES is not set: run the tests with ./scripts/test.sh, which starts a throwaway PostgreSQL server and sets it");
        var folder = fixture.NewFolder("chaos");
        // Seed 3's schedule kills the optimizer's node among its five faults (the schedule is a function of the seed).
        var result = await CliProcess.RunDllAsync(CliProcess.BenchDll, TimeSpan.FromMinutes(16), folder,
            "chaos", "--faults", "5", "--seed", "3", "--journal", postgres!, "--work", Path.Combine(folder, "work"));
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains(result.Stdout, l => l.StartsWith("faults injected: 5 ", StringComparison.Ordinal) && l.Contains("KillOptimizerNode", StringComparison.Ordinal));
        Assert.Contains("generations: 640; complete (one event per generation, none twice): yes", result.Stdout);
        Assert.Contains("policy.bin identical to the undisturbed run: yes", result.Stdout);
        Assert.Contains("chaos: PASSED", result.Stdout);
    }
}
