namespace EsActors.MuJoCo.Tests;

public class LifetimeTests
{
    [Fact]
    public void Disposed_environment_throws_and_the_shared_model_keeps_working()
    {
        var first = MuJoCoTestSupport.Create("Hopper-v4");
        var obs = new float[11];
        first.Reset(1, obs);
        first.Step(new float[3], obs);
        first.Dispose();
        first.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => first.Step(new float[3], obs));
        Assert.Throws<ObjectDisposedException>(() => first.Reset(1, obs));

        using var second = MuJoCoTestSupport.Create("Hopper-v4");
        second.Reset(1, obs);
        for (var t = 0; t < 100; t++) second.Step([0.1f, 0.1f, 0.1f], obs);
        Assert.All(obs, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Many_instances_can_be_created_and_disposed()
    {
        var obs = new float[376];
        for (var i = 0; i < 200; i++)
        {
            foreach (var id in MuJoCoTestSupport.AllIds)
            {
                using var env = MuJoCoTestSupport.Create(id);
                env.Reset((ulong)i, obs);
                env.Step(new float[env.Spec.Action.Size], obs);
            }
        }
    }

    [Fact]
    public void Instances_on_parallel_threads_share_a_model_and_agree()
    {
        var hashes = new string[8];
        Parallel.For(0, hashes.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            using var env = MuJoCoTestSupport.Create("Walker2d-v4");
            hashes[i] = EsActors.Environments.MuJoCo.TrajectoryProbe.Hash(env, 99, 800);
        });
        Assert.All(hashes, h => Assert.Equal(hashes[0], h));
    }

    [Fact]
    public void Step_does_not_allocate()
    {
        foreach (var id in MuJoCoTestSupport.AllIds)
        {
            using var env = MuJoCoTestSupport.Create(id);
            var obs = new float[env.Spec.ObservationSize];
            var action = new float[env.Spec.Action.Size];
            env.Reset(1, obs);
            for (var t = 0; t < 50; t++) env.Step(action, obs); // warm up (JIT tiering)
            env.Reset(1, obs);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var t = 0; t < 500; t++)
            {
                EsActors.Environments.MuJoCo.TrajectoryProbe.FixedAction(env.Spec.Action, t, action);
                if (env.Step(action, obs).Done) break;
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
