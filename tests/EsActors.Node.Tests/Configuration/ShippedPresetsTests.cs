using EsActors.Domain.Policies;
using EsActors.Environments;
using EsActors.Node.Configuration;

namespace EsActors.Node.Tests.Configuration;

/// <summary>Every shipped configuration file passes the same checks a user's file does: no preset may trip them.</summary>
public sealed class ShippedPresetsTests
{
    public static TheoryData<string> EnvironmentIds() => new(EnvironmentRegistry.Ids);

    [Theory]
    [MemberData(nameof(EnvironmentIds))]
    public void Each_environment_preset_builds_a_valid_run(string environmentId)
    {
        var (definition, stop) = RunSettings.Build(environmentId, NodeConfig.RunSettings(environmentId, null), new RunOverrides());
        Assert.Equal(environmentId, definition.EnvironmentId);
        Assert.True(stop.MaxGenerations >= 1);
    }

    [Theory]
    [InlineData("Hopper-v4", BoxHead.Linear)]
    [InlineData("Humanoid-v4", BoxHead.Linear)]
    [InlineData("Walker2d-v4", BoxHead.Tanh)]
    [InlineData("Swimmer-v4", BoxHead.Tanh)]
    [InlineData("HalfCheetah-v4", BoxHead.Tanh)]
    [InlineData("Ant-v4", BoxHead.Tanh)]
    public void Each_mujoco_preset_records_the_action_head_its_learning_results_were_measured_with(string environmentId, BoxHead head)
    {
        // docs/learning.md's figures for these tasks come from these heads; a preset that drifted would not reproduce them
        Assert.Equal(head, RunSettings.Build(environmentId, NodeConfig.RunSettings(environmentId, null), new RunOverrides()).Definition.BoxHead);
    }

    [Fact]
    public void The_former_ars_swimmer_preset_still_builds_its_run()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "hocon", "strategies", "ars-swimmer.conf");
        var definition = RunSettings.Build("Swimmer-v4", NodeConfig.RunSettings("Swimmer-v4", file), new RunOverrides()).Definition;
        Assert.Equal(new Domain.Es.StrategySettings(Domain.Es.StrategyKind.Ars, 8, 0), definition.Strategy);
        Assert.Equal(16, definition.Pairs);
        Assert.False(definition.AveragesPolicy); // the CMA-ES preset's averaging does not leak into it
    }

    [Fact]
    public void The_paper_strategy_file_builds_a_valid_run_for_every_mujoco_task()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "hocon", "strategies", "openai-es-mujoco.conf");
        foreach (var id in new[] { "Hopper-v4", "Walker2d-v4", "HalfCheetah-v4", "Swimmer-v4", "Ant-v4", "Humanoid-v4" })
        {
            var definition = RunSettings.Build(id, NodeConfig.RunSettings(id, file), new RunOverrides()).Definition;
            Assert.Null(definition.Strategy);
            Assert.Equal(BoxHead.Tanh, definition.BoxHead); // the paper's MLP squashes, whatever head the preset uses
            Assert.False(definition.AveragesPolicy);
        }
    }
}
