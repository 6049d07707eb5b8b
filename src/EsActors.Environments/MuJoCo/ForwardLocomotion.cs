using EsActors.Domain.Randomness;

namespace EsActors.Environments.MuJoCo;

/// <summary>
/// The reward and reset shared by Gymnasium's planar runners (Hopper, Walker2d, HalfCheetah, Swimmer): reward =
/// forward_weight·Δx/dt (+ healthy_reward) − ctrl_cost·|a|², with x = qpos[0]; reset noise U(±scale) on qpos and
/// U(±scale) or scale·N(0, 1) on qvel. Termination and observation stay with each task.
/// </summary>
public abstract unsafe class ForwardLocomotion : MuJoCoEnvironment
{
    private readonly double _forwardRewardWeight, _ctrlCostWeight, _healthyReward, _resetNoise;
    private readonly bool _gaussianVelocityNoise;
    private double _xBefore;

    private protected ForwardLocomotion(EnvironmentSpec spec, string modelFile, int frameSkip, double ctrlCostWeight, double resetNoise,
        double healthyReward = 0, bool gaussianVelocityNoise = false, double forwardRewardWeight = 1.0)
        : base(spec, modelFile, frameSkip)
    {
        (_forwardRewardWeight, _ctrlCostWeight, _healthyReward, _resetNoise, _gaussianVelocityNoise) =
            (forwardRewardWeight, ctrlCostWeight, healthyReward, resetNoise, gaussianVelocityNoise);
    }

    private protected override void ResetModel(ref DeterministicRandom rng)
    {
        AddUniformNoise(Qpos, Nq, _resetNoise, ref rng);
        if (_gaussianVelocityNoise) AddGaussianNoise(Qvel, Nv, _resetNoise, ref rng);
        else AddUniformNoise(Qvel, Nv, _resetNoise, ref rng);
    }

    private protected override void BeforeStep() => _xBefore = Qpos[0];

    /// <summary>Runners without a health check never terminate (only truncation ends their episodes).</summary>
    private protected override bool IsTerminal() => false;

    private protected override double ComputeReward(ReadOnlySpan<float> action)
    {
        var forward = _forwardRewardWeight * (Qpos[0] - _xBefore) / Dt;
        // Gymnasium's order of terms: (forward + healthy) − control; tasks without a healthy reward add nothing.
        return (_healthyReward != 0 ? forward + _healthyReward : forward) - _ctrlCostWeight * SumOfSquares(action, Nu);
    }
}
