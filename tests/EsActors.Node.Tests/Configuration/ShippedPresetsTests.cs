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

    [Fact]
    public void The_paper_strategy_file_builds_a_valid_run_for_every_mujoco_task()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "hocon", "strategies", "openai-es-mujoco.conf");
        foreach (var id in new[] { "Hopper-v4", "Walker2d-v4", "HalfCheetah-v4", "Swimmer-v4", "Ant-v4", "Humanoid-v4" })
        {
            var definition = RunSettings.Build(id, NodeConfig.RunSettings(id, file), new RunOverrides()).Definition;
            Assert.Null(definition.Strategy);
            Assert.Equal(BoxHead.Tanh, definition.BoxHead); // the paper's MLP squashes, whatever head the preset uses
        }
    }
}
