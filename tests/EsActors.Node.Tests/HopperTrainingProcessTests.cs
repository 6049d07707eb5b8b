using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>A short MuJoCo training end to end on the one-node cluster: train Hopper-v4, then play the policy.</summary>
[Collection(CliCollection.Name)]
public sealed class HopperTrainingProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Hopper_trains_end_to_end_on_one_node_and_its_policy_plays()
    {
        _ = fixture;
        using var temp = new TempDirectory();
        var train = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), temp.Path,
            "train", "--env", "Hopper-v4", "--run-id", "hop", "--out", temp.Path, "--generations", "3", "--population", "16", "--slots", "2");
        output.WriteLine(train.Describe());
        Assert.Equal(0, train.ExitCode);
        Assert.Equal(3, train.Stdout.Count(l => l.StartsWith("gen ", StringComparison.Ordinal)));
        Assert.Contains(train.Stdout, l => l.StartsWith("done: run hop at generation 3", StringComparison.Ordinal));

        var policy = Path.Combine(temp.Path, "hop", "policy.bin");
        var rows = File.ReadAllLines(Path.Combine(temp.Path, "hop", "progress.csv"));
        Assert.Equal(4, rows.Length); // header + one row per generation

        var play = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), temp.Path, "play", "--policy", policy, "--episodes", "2");
        output.WriteLine(play.Describe());
        Assert.Equal(0, play.ExitCode);
        Assert.Contains(play.Stdout, l => l.StartsWith("mean return over 2 episodes:", StringComparison.Ordinal));
    }
}
