namespace EsActors.MuJoCo.Tests;

/// <summary>
/// What a linear action head (ARS's policy) relies on: a box action outside the control range moves the body exactly
/// as the clamped action does (MuJoCo clamps ctrl, ctrllimited), and the control cost is charged on the value as given,
/// as Gymnasium's v4 tasks charge it (their step never clips the action).
/// </summary>
public class ClampedActionTests
{
    [Theory]
    [InlineData("Hopper-v4", 1e-3)]
    [InlineData("Walker2d-v4", 1e-3)]
    [InlineData("HalfCheetah-v4", 0.1)]
    [InlineData("Swimmer-v4", 1e-4)]
    [InlineData("Ant-v4", 0.5)]
    [InlineData("Humanoid-v4", 0.1)]
    public void An_action_outside_the_box_moves_the_body_as_the_clamped_one_and_pays_its_own_control_cost(string id, double ctrlCostWeight)
    {
        using var raw = MuJoCoTestSupport.Create(id);
        using var clamped = MuJoCoTestSupport.Create(id);
        var spec = raw.Spec;
        Assert.True(spec.ClampsActions);
        var (obsRaw, obsClamped) = (new float[spec.ObservationSize], new float[spec.ObservationSize]);
        raw.Reset(3, obsRaw);
        clamped.Reset(3, obsClamped);
        var (action, inBox) = (new float[spec.Action.Size], new float[spec.Action.Size]);
        var stepsOutside = 0;
        for (var t = 0; t < 30; t++)
        {
            for (var d = 0; d < action.Length; d++)
            {
                // Up to 3× the range on either side, some dimensions inside it.
                var high = spec.Action.High[d];
                action[d] = high * ((d + t) % 4 - 1.5f) * 2f;
                inBox[d] = Math.Clamp(action[d], spec.Action.Low[d], high);
            }
            var r = raw.Step(action, obsRaw);
            var c = clamped.Step(inBox, obsClamped);
            Assert.Equal(obsClamped, obsRaw);
            Assert.Equal(c.Terminated, r.Terminated);
            var extraCost = ctrlCostWeight * (action.Sum(a => (double)a * a) - inBox.Sum(a => (double)a * a));
            if (extraCost > 0) stepsOutside++;
            Assert.Equal(c.Reward - extraCost, r.Reward, 1e-9);
            if (r.Done) break;
        }
        Assert.True(stepsOutside >= 2, $"only {stepsOutside} steps had an action outside the box");
    }
}
