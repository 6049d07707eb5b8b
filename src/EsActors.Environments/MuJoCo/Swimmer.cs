using EsActors.Domain.Randomness;

namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Gymnasium Swimmer-v4: obs = qpos[2:] (3) + qvel (5); reward = Δx/dt − 1e-4·|a|²; never terminates.
/// RK4, dt 0.01, frame skip 4; reset noise U(±0.1) on qpos and qvel.
/// </summary>
public sealed unsafe class Swimmer : MuJoCoEnvironment
{
    public static readonly EnvironmentSpec SpecV4 = new("Swimmer-v4", 8, ActionSpace.Box(2, -1f, 1f), 1000, 360.0);

    private const double ForwardRewardWeight = 1.0, CtrlCostWeight = 1e-4, ResetNoise = 0.1;
    private double _xBefore;

    public Swimmer() : base(SpecV4, "swimmer.xml", frameSkip: 4) { }

    private protected override void ResetModel(ref DeterministicRandom rng)
    {
        AddUniformNoise(Qpos, Nq, ResetNoise, ref rng);
        AddUniformNoise(Qvel, Nv, ResetNoise, ref rng);
    }

    private protected override void BeforeStep() => _xBefore = Qpos[0];

    private protected override double ComputeReward(ReadOnlySpan<float> action) =>
        ForwardRewardWeight * (Qpos[0] - _xBefore) / Dt - CtrlCostWeight * SumOfSquares(action, Nu);

    private protected override bool IsTerminal() => false;

    private protected override void WriteObservation(Span<float> observation)
    {
        Copy(Qpos + 2, Nq - 2, observation);
        Copy(Qvel, Nv, observation[(Nq - 2)..]);
    }
}
