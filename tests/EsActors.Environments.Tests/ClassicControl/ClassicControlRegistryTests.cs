using EsActors.Environments.ClassicControl;

namespace EsActors.Environments.Tests.ClassicControl;

public class ClassicControlRegistryTests
{
    public static TheoryData<string, Type, EnvironmentSpec> Entries => new()
    {
        { "CartPole-v1", typeof(CartPole), CartPole.SpecV1 },
        { "Pendulum-v1", typeof(Pendulum), Pendulum.SpecV1 },
        { "Acrobot-v1", typeof(Acrobot), Acrobot.SpecV1 },
        { "MountainCarContinuous-v0", typeof(MountainCarContinuous), MountainCarContinuous.SpecV0 },
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void Lookup_by_id_creates_the_environment_and_returns_its_spec(string id, Type type, EnvironmentSpec spec)
    {
        Assert.True(EnvironmentRegistry.IsKnown(id));
        Assert.Contains(id, EnvironmentRegistry.Ids);
        Assert.Equal(spec, EnvironmentRegistry.GetSpec(id));
        using var env = EnvironmentRegistry.Create(id);
        Assert.IsType(type, env);
        Assert.Equal(id, env.Spec.Id);

        // A created environment is usable straight away.
        var obs = new float[env.Spec.ObservationSize];
        env.Reset(1, obs);
        var action = new float[env.Spec.Action.PolicyOutputSize];
        Assert.False(env.Step(action, obs).Truncated);
    }

    [Fact]
    public void Unknown_id_throws_naming_it()
    {
        Assert.False(EnvironmentRegistry.IsKnown("CartPole-v0"));
        var ex = Assert.Throws<UnknownEnvironmentException>(() => EnvironmentRegistry.Create("CartPole-v0"));
        Assert.Equal("CartPole-v0", ex.Id);
        Assert.Contains("'CartPole-v0'", ex.Message);
        Assert.Contains("CartPole-v1", ex.Message);
        Assert.Throws<UnknownEnvironmentException>(() => EnvironmentRegistry.GetSpec("NoSuchEnv-v9"));
    }
}
