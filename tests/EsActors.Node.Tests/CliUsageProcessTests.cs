using EsActors.Environments;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// What an operator sees from the command line itself: the tool's name in usage lines, every parse error on its own
/// <c>error:</c> line, "did you mean" for near misses, values described in words, and the <c>envs</c> listing.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CliUsageProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private async Task<CliResult> Run(params string[] args)
    {
        var result = await CliProcess.RunAsync(Timeout, fixture.NewFolder("usage"), args);
        output.WriteLine($"$ esactors {string.Join(' ', args)}\n{result.Describe()}");
        return result;
    }

    private static List<string> ErrorLines(CliResult result) => result.Stderr.Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task Help_names_the_tool_command_esactors()
    {
        var result = await Run("train", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Stdout, l => l.Trim().StartsWith("esactors train [options]", StringComparison.Ordinal));
        Assert.DoesNotContain("EsActors.Node", string.Join('\n', result.Stdout));
    }

    [Fact]
    public async Task A_misspelt_option_is_reported_with_the_nearest_option()
    {
        var result = await Run("train", "--evn", "CartPole-v1", "--generations", "1");
        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(ErrorLines(result));
        Assert.Contains("'--evn'", error);
        Assert.Contains(result.Stderr, l => l.Trim() == "did you mean '--env'?");
    }

    [Fact]
    public async Task A_misspelt_command_is_reported_with_the_nearest_command()
    {
        var result = await Run("trian", "--env", "CartPole-v1");
        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(ErrorLines(result));
        Assert.Contains("unknown command 'trian'", error);
        Assert.Contains(result.Stderr, l => l.Trim() == "did you mean 'train'?");
    }

    [Fact]
    public async Task A_token_far_from_every_name_gets_no_suggestion()
    {
        var result = await Run("train", "--zzzzzzzz", "--generations", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Single(ErrorLines(result));
        Assert.DoesNotContain(result.Stderr, l => l.Contains("did you mean", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_parse_error_is_reported_on_its_own_line()
    {
        var result = await Run("train", "--evn", "CartPole-v1", "--population", "abc", "--sigma", "wide");
        Assert.Equal(2, result.ExitCode);
        var errors = ErrorLines(result);
        Assert.True(errors.Count == 3, result.Describe());
        Assert.Contains(errors, l => l.Contains("'--evn'", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("--population", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("--sigma", StringComparison.Ordinal));
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData("--population", "abc", "an integer")]
    [InlineData("--seed", "-1", "a non-negative integer")]
    [InlineData("--sigma", "wide", "a number")]
    [InlineData("--timesteps", "1e6x", "an integer")]
    public async Task A_malformed_value_names_the_option_and_the_expected_kind_in_words(string option, string value, string expected)
    {
        var result = await Run("train", option, value);
        Assert.Equal(2, result.ExitCode);
        var error = Assert.Single(ErrorLines(result));
        Assert.StartsWith($"error: {option} expects {expected}, got '{value}'", error);
        Assert.DoesNotContain("System.", error);
    }

    [Fact]
    public async Task Envs_lists_every_environment_with_its_sizes_and_threshold()
    {
        var result = await Run("envs");
        Assert.Equal(0, result.ExitCode);
        var rows = result.Stdout.Skip(1).Where(l => l.Length > 0).ToDictionary(l => l.Split(' ', 2)[0], l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(EnvironmentRegistry.Ids.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        // id, observation size, action kind and size, episode limit, threshold (the preset's target-return when it has one)
        Assert.Equal(["CartPole-v1", "4", "discrete", "2", "500", "500"], rows["CartPole-v1"]);
        Assert.Equal(["Pendulum-v1", "3", "box", "1", "[-2,", "2]", "200", "-200"], rows["Pendulum-v1"]);
        Assert.Equal(["Hopper-v4", "11", "box", "3", "[-1,", "1]", "1000", "3800"], rows["Hopper-v4"]);
        Assert.Equal(["HalfCheetah-v4", "17", "box", "6", "[-1,", "1]", "1000", "none"], rows["HalfCheetah-v4"]); // the preset's target-return = none
    }
}
