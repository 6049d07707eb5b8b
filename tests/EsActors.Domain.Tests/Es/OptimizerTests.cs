using EsActors.Domain.Es;

namespace EsActors.Domain.Tests.Es;

public class OptimizerTests
{
    [Fact]
    public void Adam_matches_the_textbook_update_for_two_steps()
    {
        // Arrange
        var settings = new OptimizerSettings(OptimizerKind.Adam, LearningRate: 0.1f, Beta1: 0.9f, Beta2: 0.999f, Epsilon: 1e-8f);
        float[] theta0 = [1.0f, -2.0f];
        float[][] gradients = [[0.5f, -3.0f], [-0.25f, 1.0f]];

        // Expected: Kingma & Ba (2015), Algorithm 1, in double, written for ascent:
        // m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; m̂ = m/(1−β1^t); v̂ = v/(1−β2^t); θ ← θ + α m̂ / (√v̂ + ε).
        double b1 = 0.9, b2 = 0.999, alpha = 0.1, eps = 1e-8;
        var expectedTheta = theta0.Select(x => (double)x).ToArray();
        var m = new double[2]; var v = new double[2];
        for (var t = 1; t <= 2; t++)
        {
            for (var i = 0; i < 2; i++)
            {
                double g = gradients[t - 1][i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                var mHat = m[i] / (1 - Math.Pow(b1, t));
                var vHat = v[i] / (1 - Math.Pow(b2, t));
                expectedTheta[i] += alpha * mHat / (Math.Sqrt(vHat) + eps);
            }
        }

        // Act
        var (theta1, state1) = Optimizer.Step(settings, theta0, OptimizerState.Zero(2), gradients[0]);
        var (theta2, state2) = Optimizer.Step(settings, theta1, state1, gradients[1]);

        // Assert: float32 arithmetic (and ε applied before rather than after the bias correction, as the public
        // code does — a 1e-8-relative difference here) agree with the double-precision textbook to 1e-6.
        Assert.Equal(2, state2.Steps);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(expectedTheta[i], theta2[i], 1e-6);
            Assert.Equal(m[i], state2.FirstMoment[i], 1e-6);
            // 1 − 0.999f is 1.3e-5 away from 0.001 in float32, so v is compared relatively.
            Assert.Equal(v[i], state2.SecondMoment[i], v[i] * 1e-4);
        }
        // The first Adam step moves every coordinate by ≈ α·sign(g), whatever the gradient's scale.
        Assert.Equal(1.0 + 0.1, theta1[0], 1e-5);
        Assert.Equal(-2.0 - 0.1, theta1[1], 1e-5);
    }

    [Fact]
    public void Sgd_momentum_matches_the_hand_computed_heavy_ball_update()
    {
        // Arrange
        var settings = new OptimizerSettings(OptimizerKind.SgdMomentum, LearningRate: 0.5f, Momentum: 0.8f);
        float[] theta0 = [1.0f, -1.0f];
        float[] g1 = [2.0f, 4.0f];
        float[] g2 = [-1.0f, 0.5f];

        // Expected, by hand (μ = 0.8, η = 0.5): v1 = 0.2·g1 = (0.4, 0.8); θ1 = θ0 + 0.5·v1 = (1.2, −0.6);
        // v2 = 0.8·v1 + 0.2·g2 = (0.12, 0.74); θ2 = θ1 + 0.5·v2 = (1.26, −0.23).

        // Act
        var (theta1, state1) = Optimizer.Step(settings, theta0, OptimizerState.Zero(2), g1);
        var (theta2, state2) = Optimizer.Step(settings, theta1, state1, g2);

        // Assert
        Assert.Equal(1.2, theta1[0], 1e-6); Assert.Equal(-0.6, theta1[1], 1e-6);
        Assert.Equal(0.12, state2.FirstMoment[0], 1e-6); Assert.Equal(0.74, state2.FirstMoment[1], 1e-6);
        Assert.Equal(1.26, theta2[0], 1e-6); Assert.Equal(-0.23, theta2[1], 1e-6);
        Assert.Equal(2, state2.Steps);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.SgdMomentum)]
    public void Step_returns_new_arrays_and_leaves_its_inputs_untouched(OptimizerKind kind)
    {
        // Arrange
        var settings = new OptimizerSettings(kind);
        float[] theta = [1f, 2f, 3f];
        var state = OptimizerState.Zero(3);
        float[] ascent = [1f, -1f, 0.5f];

        // Act
        var (newTheta, newState) = Optimizer.Step(settings, theta, state, ascent);

        // Assert
        Assert.Equal(new[] { 1f, 2f, 3f }, theta);
        Assert.All(state.FirstMoment, x => Assert.Equal(0f, x));
        Assert.All(state.SecondMoment, x => Assert.Equal(0f, x));
        Assert.Equal(0, state.Steps);
        Assert.NotSame(theta, newTheta);
        Assert.NotSame(state.FirstMoment, newState.FirstMoment);
        Assert.Equal(1, newState.Steps);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.SgdMomentum)]
    public void Steps_move_along_the_ascent_direction(OptimizerKind kind)
    {
        var (theta, _) = Optimizer.Step(new OptimizerSettings(kind), new float[] { 0f, 0f }, OptimizerState.Zero(2), new float[] { 3f, -3f });
        Assert.True(theta[0] > 0 && theta[1] < 0, $"θ = ({theta[0]}, {theta[1]})");
    }

    [Fact]
    public void Step_rejects_mismatched_dimensions()
    {
        var settings = new OptimizerSettings();
        Assert.Throws<ArgumentException>(() => Optimizer.Step(settings, new float[3], OptimizerState.Zero(3), new float[2]));
        Assert.Throws<ArgumentException>(() => Optimizer.Step(settings, new float[3], OptimizerState.Zero(2), new float[3]));
    }

    [Theory]
    [InlineData(0f, 0.9f, 0.999f, 0.9f, 1e-8f)]
    [InlineData(float.NaN, 0.9f, 0.999f, 0.9f, 1e-8f)]
    [InlineData(float.PositiveInfinity, 0.9f, 0.999f, 0.9f, 1e-8f)]
    [InlineData(0.01f, 1f, 0.999f, 0.9f, 1e-8f)]
    [InlineData(0.01f, 0.9f, -0.1f, 0.9f, 1e-8f)]
    [InlineData(0.01f, 0.9f, 0.999f, 1f, 1e-8f)]
    [InlineData(0.01f, 0.9f, 0.999f, 0.9f, 0f)]
    public void Invalid_settings_are_refused(float learningRate, float beta1, float beta2, float momentum, float epsilon)
    {
        var settings = new OptimizerSettings(OptimizerKind.Adam, learningRate, beta1, beta2, epsilon, momentum);
        Assert.Throws<ArgumentException>(settings.Validate);
    }

    [Fact]
    public void Default_settings_are_the_papers_and_valid()
    {
        var settings = new OptimizerSettings();
        settings.Validate();
        Assert.Equal(OptimizerKind.Adam, settings.Kind);
        Assert.Equal(0.01f, settings.LearningRate);
        Assert.Equal(0.9f, settings.Momentum);
    }
}
