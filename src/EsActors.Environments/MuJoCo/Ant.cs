using EsActors.Domain.Randomness;

namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Gymnasium Ant-v4 with its defaults (use_contact_forces = False): obs = qpos[2:] (13) + qvel (14);
/// reward = Δx(torso body frame, data.xpos)/dt + 1 − 0.5·|a|²; terminated when the state is not finite
/// or torso z = qpos[2] leaves [0.2, 1.0]. RK4, dt 0.01, frame skip 5; reset noise U(±0.1) on qpos and
/// 0.1·N(0, 1) on qvel.
/// </summary>
public sealed unsafe class Ant : MuJoCoEnvironment
{
    public static readonly EnvironmentSpec SpecV4 = new("Ant-v4", 27, ActionSpace.Box(8, -1f, 1f), 1000, 6000.0,
        RewardBounds.Locomotion(ActionSpace.Box(8, -1f, 1f), ForwardRewardWeight, HealthyReward, CtrlCostWeight, RewardBounds.MuJoCoMaxSpeed), ClampsActions: true);

    private const double ForwardRewardWeight = 1.0, CtrlCostWeight = 0.5, HealthyReward = 1.0, ResetNoise = 0.1;
    private readonly int _torso;
    private double _xBefore;

    public Ant() : base(SpecV4, "ant.xml", frameSkip: 5) => _torso = Model.BodyId("torso");

    private protected override void ResetModel(ref DeterministicRandom rng)
    {
        AddUniformNoise(Qpos, Nq, ResetNoise, ref rng);
        AddGaussianNoise(Qvel, Nv, ResetNoise, ref rng);
    }

    // Gymnasium reads get_body_com("torso") = data.xpos, which mj_step leaves one substep behind qpos.
    private protected override void BeforeStep() => _xBefore = Xpos[3 * _torso];

    private protected override double ComputeReward(ReadOnlySpan<float> action) =>
        ForwardRewardWeight * (Xpos[3 * _torso] - _xBefore) / Dt + HealthyReward - CtrlCostWeight * SumOfSquares(action, Nu);

    private protected override bool IsTerminal()
    {
        for (var i = 0; i < Nq; i++) if (!double.IsFinite(Qpos[i])) return true;
        for (var i = 0; i < Nv; i++) if (!double.IsFinite(Qvel[i])) return true;
        var z = Qpos[2];
        return !(z >= 0.2 && z <= 1.0);
    }

    private protected override void WriteObservation(Span<float> observation)
    {
        Copy(Qpos + 2, Nq - 2, observation);
        Copy(Qvel, Nv, observation[(Nq - 2)..]);
    }
}
