using EsActors.Domain.Policies;
using EsActors.Domain.Randomness;

namespace EsActors.Domain.Tests.Policies;

public class MlpPolicyTests
{
    [Theory]
    [InlineData(3, new int[0], 2)]
    [InlineData(4, new[] { 8 }, 2)]
    [InlineData(17, new[] { 64, 64 }, 6)]
    [InlineData(376, new[] { 256, 256 }, 17)]
    public void Parameter_count_is_the_sum_of_weights_and_biases_of_every_layer(int inputs, int[] hidden, int outputs)
    {
        // Arrange: Σ over layers of (in × out + out).
        var widths = new[] { inputs }.Concat(hidden).Append(outputs).ToArray();
        var expected = 0;
        for (var l = 1; l < widths.Length; l++) expected += widths[l - 1] * widths[l] + widths[l];

        // Act
        var shape = new NetworkShape(inputs, hidden, outputs, Activation.Tanh);

        // Assert
        Assert.Equal(expected, shape.ParameterCount);
    }

    [Fact]
    public void Parameter_count_of_a_small_network_by_hand()
    {
        // 3→4→5→2: (12 + 4) + (20 + 5) + (10 + 2) = 53.
        Assert.Equal(53, new NetworkShape(3, [4, 5], 2, Activation.Relu).ParameterCount);
    }

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Relu)]
    public void Forward_pass_matches_a_naive_hand_written_forward(Activation activation)
    {
        // Arrange
        var shape = new NetworkShape(3, [4, 5], 2, activation);
        var rng = new DeterministicRandom(21);
        var theta = Enumerable.Range(0, shape.ParameterCount).Select(_ => (float)rng.NextGaussian()).ToArray();
        var policy = new MlpPolicy(shape);
        var output = new float[2];

        for (var trial = 0; trial < 20; trial++)
        {
            var input = Enumerable.Range(0, 3).Select(_ => (float)rng.NextUniform(-2, 2)).ToArray();

            // Act
            policy.Forward(theta, input, output);

            // Assert
            var expected = NaiveForward(theta, input, [3, 4, 5, 2], activation);
            for (var k = 0; k < 2; k++) Assert.Equal(expected[k], output[k], 1e-4);
        }
    }

    [Fact]
    public void Forward_pass_of_a_tiny_network_by_hand()
    {
        // Arrange: 2→2→1 relu. W1 = [[1, −1], [0.5, 2]], b1 = [0, −1], W2 = [[2, −3]], b2 = [0.5].
        var shape = new NetworkShape(2, [2], 1, Activation.Relu);
        float[] theta = [1, -1, 0.5f, 2, 0, -1, 2, -3, 0.5f];
        var output = new float[1];

        // Act: x = (1, 1) → pre-activations (0, 1.5) → relu (0, 1.5) → 2·0 − 3·1.5 + 0.5 = −4.
        new MlpPolicy(shape).Forward(theta, [1f, 1f], output);

        // Assert
        Assert.Equal(-4f, output[0], 1e-6f);
    }

    [Fact]
    public void A_network_without_hidden_layers_is_linear()
    {
        var shape = new NetworkShape(2, [], 1, Activation.Tanh);
        var output = new float[1];
        new MlpPolicy(shape).Forward([10f, 20f, 1f], [3f, -1f], output); // 10·3 + 20·(−1) + 1, no squashing
        Assert.Equal(11f, output[0]);
    }

    [Fact]
    public void Forward_allocates_nothing_after_warm_up()
    {
        // Arrange
        var shape = new NetworkShape(17, [64, 64], 6, Activation.Tanh);
        var policy = new MlpPolicy(shape);
        var theta = shape.InitialParameters(1);
        var input = new float[17]; var output = new float[6];
        for (var i = 0; i < 17; i++) input[i] = i * 0.1f;
        for (var i = 0; i < 10; i++) policy.Forward(theta, input, output);

        // Act
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) policy.Forward(theta, input, output);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Forward_rejects_mismatched_sizes()
    {
        var shape = new NetworkShape(3, [4], 2, Activation.Tanh);
        var policy = new MlpPolicy(shape);
        var theta = new float[shape.ParameterCount];
        Assert.Throws<ArgumentException>(() => policy.Forward(new float[shape.ParameterCount - 1], new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => policy.Forward(theta, new float[4], new float[2]));
        Assert.Throws<ArgumentException>(() => policy.Forward(theta, new float[3], new float[1]));
    }

    [Fact]
    public void Initial_parameters_are_deterministic_per_seed()
    {
        var shape = new NetworkShape(8, [16, 16], 3, Activation.Tanh);
        Assert.Equal(shape.InitialParameters(5), shape.InitialParameters(5));
        Assert.NotEqual(shape.InitialParameters(5), shape.InitialParameters(6));
    }

    [Fact]
    public void Initial_rows_have_unit_norm_in_hidden_layers_and_norm_one_hundredth_in_the_output_layer_with_zero_biases()
    {
        // Arrange
        var shape = new NetworkShape(8, [16, 12], 3, Activation.Tanh);

        // Act
        var theta = shape.InitialParameters(42);

        // Assert: "normc" initialisation, layer by layer in the documented [output][input] + biases layout.
        var offset = 0; var previous = 8;
        var widths = new[] { 16, 12, 3 };
        for (var layer = 0; layer < widths.Length; layer++)
        {
            var expectedNorm = layer == widths.Length - 1 ? 0.01 : 1.0;
            for (var row = 0; row < widths[layer]; row++)
            {
                var weights = theta.AsSpan(offset + row * previous, previous);
                double sq = 0;
                foreach (var w in weights) sq += (double)w * w;
                Assert.Equal(expectedNorm, Math.Sqrt(sq), expectedNorm * 1e-5);
                Assert.True(weights.ToArray().Distinct().Count() == previous, "weights of a row should be distinct random draws");
            }
            var biases = theta.AsSpan(offset + widths[layer] * previous, widths[layer]);
            foreach (var b in biases) Assert.Equal(0f, b);
            offset += widths[layer] * previous + widths[layer];
            previous = widths[layer];
        }
        Assert.Equal(shape.ParameterCount, offset);
    }

    [Fact]
    public void Shapes_compare_by_value_including_hidden_sizes()
    {
        var a = new NetworkShape(4, [8, 8], 2, Activation.Tanh);
        Assert.Equal(a, new NetworkShape(4, new List<int> { 8, 8 }, 2, Activation.Tanh));
        Assert.Equal(a.GetHashCode(), new NetworkShape(4, new List<int> { 8, 8 }, 2, Activation.Tanh).GetHashCode());
        Assert.NotEqual(a, new NetworkShape(4, [8, 9], 2, Activation.Tanh));
        Assert.NotEqual(a, new NetworkShape(4, [8, 8], 2, Activation.Relu));
        Assert.Equal("4-8-8-2 tanh", a.ToString());
    }

    [Fact]
    public void A_network_without_hidden_layers_is_linear_whatever_activation_it_names()
    {
        var tanh = new NetworkShape(3, [], 1, Activation.Tanh);
        var relu = new NetworkShape(3, [], 1, Activation.Relu);
        Assert.Equal(tanh, relu);
        Assert.Equal(tanh.GetHashCode(), relu.GetHashCode());
        Assert.Equal("3-1 linear", relu.ToString());
        var theta = tanh.InitialParameters(7);
        var observation = new[] { 0.5f, -2f, 3f };
        float[] viaTanh = new float[1], viaRelu = new float[1];
        new MlpPolicy(tanh).Forward(theta, observation, viaTanh);
        new MlpPolicy(relu).Forward(theta, observation, viaRelu);
        Assert.NotEqual(0f, viaTanh[0]);
        Assert.Equal(viaTanh, viaRelu);
    }

    [Fact]
    public void Invalid_shapes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new MlpPolicy(new NetworkShape(0, [4], 2, Activation.Tanh)));
        Assert.Throws<ArgumentException>(() => new MlpPolicy(new NetworkShape(3, [0], 2, Activation.Tanh)));
        Assert.Throws<ArgumentException>(() => new MlpPolicy(new NetworkShape(3, [4], 0, Activation.Tanh)));
    }

    /// <summary>Textbook MLP in double: y = W x + b per layer, activation on hidden layers only.</summary>
    private static double[] NaiveForward(float[] theta, float[] input, int[] widths, Activation activation)
    {
        var x = input.Select(v => (double)v).ToArray();
        var offset = 0;
        for (var l = 1; l < widths.Length; l++)
        {
            int nIn = widths[l - 1], nOut = widths[l];
            var y = new double[nOut];
            for (var o = 0; o < nOut; o++)
            {
                double s = theta[offset + nIn * nOut + o];
                for (var i = 0; i < nIn; i++) s += theta[offset + o * nIn + i] * x[i];
                y[o] = l == widths.Length - 1 ? s : activation == Activation.Tanh ? Math.Tanh(s) : Math.Max(0, s);
            }
            offset += nIn * nOut + nOut;
            x = y;
        }
        return x;
    }
}
