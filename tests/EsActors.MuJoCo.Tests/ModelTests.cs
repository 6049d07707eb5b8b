using EsActors.Environments;
using EsActors.Environments.MuJoCo;
using EsActors.Environments.MuJoCo.Interop;

namespace EsActors.MuJoCo.Tests;

public class ModelTests
{
    public static TheoryData<string> Ids => MuJoCoTestSupport.Ids();

    [Theory]
    [InlineData("Hopper-v4", 11, 3, 6, 6, 0.008, 3800.0)]
    [InlineData("Walker2d-v4", 17, 6, 9, 9, 0.008, null)]
    [InlineData("HalfCheetah-v4", 17, 6, 9, 9, 0.05, 4800.0)]
    [InlineData("Swimmer-v4", 8, 2, 5, 5, 0.04, 360.0)]
    [InlineData("Ant-v4", 27, 8, 15, 14, 0.05, 6000.0)]
    [InlineData("Humanoid-v4", 376, 17, 24, 23, 0.015, null)]
    public void Model_loads_with_Gymnasium_sizes(string id, int obsSize, int actSize, int nq, int nv, double dt, double? threshold)
    {
        using var env = MuJoCoTestSupport.Create(id);
        Assert.Equal(id, env.Spec.Id);
        Assert.Equal(obsSize, env.Spec.ObservationSize);
        Assert.False(env.Spec.Action.IsDiscrete);
        Assert.Equal(actSize, env.Spec.Action.Size);
        Assert.Equal(1000, env.Spec.MaxEpisodeSteps);
        Assert.Equal(threshold, env.Spec.RewardThreshold);
        Assert.Equal(nq, env.ModelNq);
        Assert.Equal(nv, env.ModelNv);
        Assert.Equal(dt, env.TimeBetweenActions, 12);
        Assert.Equal(EnvironmentRegistry.GetSpec(id), env.Spec);

        var obs = new float[obsSize];
        env.Reset(1, obs);
        Assert.All(obs, v => Assert.True(float.IsFinite(v)));
        var r = env.Step(new float[actSize], obs);
        Assert.True(double.IsFinite(r.Reward));
        Assert.All(obs, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Action_space_is_the_actuator_ctrlrange()
    {
        Assert.All(Hopper.SpecV4.Action.Low, v => Assert.Equal(-1f, v));
        Assert.All(Hopper.SpecV4.Action.High, v => Assert.Equal(1f, v));
        Assert.All(Humanoid.SpecV4.Action.Low, v => Assert.Equal(-0.4f, v));
        Assert.All(Humanoid.SpecV4.Action.High, v => Assert.Equal(0.4f, v));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void MjData_is_kept_small_and_its_stack_has_headroom(string id)
    {
        using var env = MuJoCoTestSupport.Create(id);
        var obs = new float[env.Spec.ObservationSize];
        var action = new float[env.Spec.Action.Size];
        var rng = new EsActors.Domain.Randomness.DeterministicRandom(5);
        env.Reset(5, obs);
        for (var t = 0; t < 3000; t++)
        {
            for (var i = 0; i < action.Length; i++)
                action[i] = (float)rng.NextUniform(env.Spec.Action.Low[i], env.Spec.Action.High[i]);
            if (env.Step(action, obs).Done) env.Reset((ulong)t, obs);
        }
        Assert.InRange(env.DataBufferBytes, 1, 2 * 1024 * 1024);
        Assert.True(env.DataMaxStackUse * 4 < env.DataStackSize, $"stack use {env.DataMaxStackUse} of {env.DataStackSize}");
    }

    [Fact]
    public void Loaded_library_is_MuJoCo_222()
    {
        var api = MuJoCoNative.Instance;
        unsafe { Assert.Equal(222, api.Version()); }
        Assert.Equal(MuJoCoNative.ExpectedVersion, MjHeader.Version);
    }

    [Fact]
    public void Embedded_models_are_present()
    {
        foreach (var file in new[] { "hopper.xml", "walker2d.xml", "half_cheetah.xml", "swimmer.xml", "ant.xml", "humanoid.xml" })
            Assert.NotEmpty(MuJoCoModel.ReadResource(file));
    }
}
