namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Gymnasium Walker2d-v4: obs = qpos[1:] (8) + clip(qvel, ±10) (9); reward = Δx/dt + 1 − 1e-3·|a|²;
/// terminated when z = qpos[1] leaves (0.8, 2.0) or angle = qpos[2] leaves (−1, 1).
/// RK4, dt 0.002, frame skip 4; reset noise U(±5e-3) on qpos and qvel. No reward threshold.
/// </summary>
public sealed unsafe class Walker2d : ForwardLocomotion
{
    public static readonly EnvironmentSpec SpecV4 = new("Walker2d-v4", 17, ActionSpace.Box(6, -1f, 1f), 1000, null,
        RewardBounds.Locomotion(ActionSpace.Box(6, -1f, 1f), forwardWeight: 1.0, HealthyReward, CtrlCostWeight, RewardBounds.MuJoCoMaxSpeed), ClampsActions: true);

    private const double CtrlCostWeight = 1e-3, HealthyReward = 1.0;

    public Walker2d() : base(SpecV4, "walker2d.xml", frameSkip: 4, ctrlCostWeight: CtrlCostWeight, resetNoise: 5e-3, healthyReward: HealthyReward) { }

    private protected override bool IsTerminal()
    {
        double z = Qpos[1], angle = Qpos[2];
        var healthyZ = z > 0.8 && z < 2.0;
        var healthyAngle = angle > -1.0 && angle < 1.0;
        return !(healthyZ && healthyAngle);
    }

    private protected override void WriteObservation(Span<float> observation)
    {
        Copy(Qpos + 1, Nq - 1, observation);
        CopyClipped(Qvel, Nv, 10.0, observation[(Nq - 1)..]);
    }
}
