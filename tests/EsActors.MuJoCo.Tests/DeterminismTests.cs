using EsActors.Environments.MuJoCo;

namespace EsActors.MuJoCo.Tests;

public class DeterminismTests
{
    public static TheoryData<string> Ids => MuJoCoTestSupport.Ids();

    [Theory]
    [MemberData(nameof(Ids))]
    public void Same_seed_and_actions_give_bit_identical_trajectories_in_one_process(string id)
    {
        string first, second, reused;
        using (var env = MuJoCoTestSupport.Create(id)) first = TrajectoryProbe.Hash(env, 42, 1500);
        using (var env = MuJoCoTestSupport.Create(id)) second = TrajectoryProbe.Hash(env, 42, 1500);
        using (var env = MuJoCoTestSupport.Create(id))
        {
            TrajectoryProbe.Hash(env, 7, 700); // leave state behind in mjData
            reused = TrajectoryProbe.Hash(env, 42, 1500);
        }
        Assert.Equal(first, second);
        Assert.Equal(first, reused);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Different_seeds_give_different_initial_states(string id)
    {
        using var env = MuJoCoTestSupport.Create(id);
        var a = new float[env.Spec.ObservationSize];
        var b = new float[env.Spec.ObservationSize];
        env.Reset(1, a);
        env.Reset(2, b);
        Assert.NotEqual(a, b);
        env.Reset(1, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Reset_noise_stays_within_the_Gymnasium_scale()
    {
        using var env = MuJoCoTestSupport.Create("Hopper-v4");
        var obs = new float[11];
        for (ulong seed = 0; seed < 50; seed++)
        {
            env.Reset(seed, obs);
            Assert.InRange(env.GetQpos(1), 1.25 - 5e-3, 1.25 + 5e-3);
            for (var i = 0; i < 6; i++) Assert.InRange(env.GetQvel(i), -5e-3, 5e-3);
            for (var i = 2; i < 6; i++) Assert.InRange(env.GetQpos(i), -5e-3, 5e-3);
        }
    }
}
