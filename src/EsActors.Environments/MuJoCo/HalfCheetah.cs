using EsActors.Domain.Randomness;

namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Gymnasium HalfCheetah-v4: obs = qpos[1:] (8) + qvel (9); reward = Δx/dt − 0.1·|a|²; never terminates.
/// Euler, dt 0.01, frame skip 5; reset noise U(±0.1) on qpos and 0.1·N(0, 1) on qvel.
/// </summary>
public sealed unsafe class HalfCheetah : MuJoCoEnvironment
{
    public static readonly EnvironmentSpec SpecV4 = new("HalfCheetah-v4", 17, ActionSpace.Box(6, -1f, 1f), 1000, 4800.0);

    private const double ForwardRewardWeight = 1.0, CtrlCostWeight = 0.1, ResetNoise = 0.1;
    private double _xBefore;

    public HalfCheetah() : base(SpecV4, "half_cheetah.xml", frameSkip: 5) { }

    private protected override void ResetModel(ref DeterministicRandom rng)
    {
        AddUniformNoise(Qpos, Nq, ResetNoise, ref rng);
        AddGaussianNoise(Qvel, Nv, ResetNoise, ref rng);
    }

    private protected override void BeforeStep() => _xBefore = Qpos[0];

    private protected override double ComputeReward(ReadOnlySpan<float> action) =>
        ForwardRewardWeight * (Qpos[0] - _xBefore) / Dt - CtrlCostWeight * SumOfSquares(action, Nu);

    private protected override bool IsTerminal() => false;

    private protected override void WriteObservation(Span<float> observation)
    {
        Copy(Qpos + 1, Nq - 1, observation);
        Copy(Qvel, Nv, observation[(Nq - 1)..]);
    }
}
