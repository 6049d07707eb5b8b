using EsActors.Domain.Randomness;

namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Gymnasium Humanoid-v4: obs = qpos[2:] (22) + qvel (23) + cinert (14×10) + cvel (14×6) +
/// qfrc_actuator (23) + cfrc_ext (14×6) = 376; reward = 1.25·Δx(mass centre)/dt + 5 − 0.1·|ctrl|²
/// (v4 computes no contact cost into the reward); terminated when z = qpos[2] leaves (1.0, 2.0).
/// RK4, dt 0.003, frame skip 5; reset noise U(±0.01) on qpos and qvel. No reward threshold.
/// </summary>
public sealed unsafe class Humanoid : MuJoCoEnvironment
{
    public static readonly EnvironmentSpec SpecV4 = new("Humanoid-v4", 376, ActionSpace.Box(17, -0.4f, 0.4f), 1000, null,
        // The control cost is on ctrl = the action (ctrlrange ±0.4 is the action box).
        RewardBounds.Locomotion(ActionSpace.Box(17, -0.4f, 0.4f), ForwardRewardWeight, HealthyReward, CtrlCostWeight, RewardBounds.MuJoCoMaxSpeed), ClampsActions: true);

    private const double ForwardRewardWeight = 1.25, CtrlCostWeight = 0.1, HealthyReward = 5.0, ResetNoise = 1e-2;
    private readonly double* _bodyMass;
    private readonly double _totalMass;
    private double _xBefore;

    public Humanoid() : base(SpecV4, "humanoid.xml", frameSkip: 5)
    {
        _bodyMass = Model.BodyMass;
        for (var b = 0; b < NBody; b++) _totalMass += _bodyMass[b];
    }

    private protected override bool NeedsRnePostConstraint => true;

    private protected override void ResetModel(ref DeterministicRandom rng)
    {
        AddUniformNoise(Qpos, Nq, ResetNoise, ref rng);
        AddUniformNoise(Qvel, Nv, ResetNoise, ref rng);
    }

    /// <summary>x of the mass centre from body_mass and xipos (Gymnasium's mass_center), world body included.</summary>
    private double MassCentreX()
    {
        var sum = 0.0;
        for (var b = 0; b < NBody; b++) sum += _bodyMass[b] * Xipos[3 * b];
        return sum / _totalMass;
    }

    private protected override void BeforeStep() => _xBefore = MassCentreX();

    private protected override double ComputeReward(ReadOnlySpan<float> action)
    {
        var ctrlCost = 0.0;
        for (var i = 0; i < Nu; i++) ctrlCost += Ctrl[i] * Ctrl[i];
        return ForwardRewardWeight * (MassCentreX() - _xBefore) / Dt + HealthyReward - CtrlCostWeight * ctrlCost;
    }

    private protected override bool IsTerminal()
    {
        var z = Qpos[2];
        return !(z > 1.0 && z < 2.0);
    }

    private protected override void WriteObservation(Span<float> observation)
    {
        var o = 0;
        Copy(Qpos + 2, Nq - 2, observation[o..]); o += Nq - 2;
        Copy(Qvel, Nv, observation[o..]); o += Nv;
        Copy(Cinert, NBody * 10, observation[o..]); o += NBody * 10;
        Copy(Cvel, NBody * 6, observation[o..]); o += NBody * 6;
        Copy(QfrcActuator, Nv, observation[o..]); o += Nv;
        Copy(CfrcExt, NBody * 6, observation[o..]);
    }
}
