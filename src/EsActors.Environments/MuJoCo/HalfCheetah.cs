namespace EsActors.Environments.MuJoCo;

/// <summary>
/// Gymnasium HalfCheetah-v4: obs = qpos[1:] (8) + qvel (9); reward = Δx/dt − 0.1·|a|²; never terminates.
/// Euler, dt 0.01, frame skip 5; reset noise U(±0.1) on qpos and 0.1·N(0, 1) on qvel.
/// </summary>
public sealed unsafe class HalfCheetah : ForwardLocomotion
{
    public static readonly EnvironmentSpec SpecV4 = new("HalfCheetah-v4", 17, ActionSpace.Box(6, -1f, 1f), 1000, 4800.0,
        RewardBounds.Locomotion(ActionSpace.Box(6, -1f, 1f), forwardWeight: 1.0, HealthyReward, CtrlCostWeight, RewardBounds.MuJoCoMaxSpeed), ClampsActions: true);

    private const double CtrlCostWeight = 0.1, HealthyReward = 0;

    public HalfCheetah() : base(SpecV4, "half_cheetah.xml", frameSkip: 5, ctrlCostWeight: CtrlCostWeight, resetNoise: 0.1, gaussianVelocityNoise: true) { }

    private protected override void WriteObservation(Span<float> observation)
    {
        Copy(Qpos + 1, Nq - 1, observation);
        Copy(Qvel, Nv, observation[(Nq - 1)..]);
    }
}
