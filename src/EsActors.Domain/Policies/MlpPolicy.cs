using System.Numerics.Tensors;
using EsActors.Domain.Randomness;

namespace EsActors.Domain.Policies;

public enum Activation { Tanh, Relu }

/// <summary>
/// How a network output becomes one dimension of a box action. <see cref="Tanh"/>: squashed into [low, high] by tanh.
/// <see cref="Linear"/>: the output itself, as ARS's linear policy acts (Mania et al. 2018): the simulator clamps it
/// to the control range and the task charges its control cost on the value as given, as Gymnasium's MuJoCo tasks do.
/// </summary>
public enum BoxHead { Tanh, Linear }

/// <summary>
/// Shape of a fully connected network over one flat float32 parameter vector. Layout, layer by layer:
/// the weight matrix row-major as [output][input], then the biases. The output layer is linear.
/// </summary>
public sealed record NetworkShape(int Inputs, IReadOnlyList<int> Hidden, int Outputs, Activation Activation)
{
    public int ParameterCount
    {
        get
        {
            var count = 0; var previous = Inputs;
            foreach (var width in LayerWidths()) { count += width * previous + width; previous = width; }
            return count;
        }
    }

    public IEnumerable<int> LayerWidths() => Hidden.Append(Outputs);

    public void Validate()
    {
        if (Inputs <= 0 || Outputs <= 0) throw new ArgumentException("network inputs and outputs must be positive");
        if (Hidden.Any(h => h <= 0)) throw new ArgumentException("hidden layer sizes must be positive");
    }

    /// <summary>
    /// Initial θ: weights drawn from N(0,1) and scaled so each unit's incoming weights have norm 1 (hidden layers)
    /// or 0.01 (output layer), biases zero — the "normc" initialisation of the ES public code.
    /// </summary>
    public float[] InitialParameters(ulong seed)
    {
        var theta = new float[ParameterCount];
        var rng = DeterministicRandom.ForStream(seed, 0x494E4954UL);
        var offset = 0; var previous = Inputs; var layer = 0; var layers = Hidden.Count + 1;
        foreach (var width in LayerWidths())
        {
            var norm = ++layer == layers ? 0.01 : 1.0;
            for (var row = 0; row < width; row++)
            {
                var weights = theta.AsSpan(offset + row * previous, previous);
                double sumSquares = 0;
                for (var i = 0; i < previous; i++) { var w = rng.NextGaussian(); weights[i] = (float)w; sumSquares += w * w; }
                var scale = (float)(norm / Math.Sqrt(sumSquares));
                for (var i = 0; i < previous; i++) weights[i] *= scale;
            }
            offset += width * previous + width;
            previous = width;
        }
        return theta;
    }

    /// <summary>"4-8-8-2 tanh"; a network without hidden layers is "3-1 linear" (no activation is ever applied).</summary>
    public override string ToString() =>
        Hidden.Count == 0 ? $"{Inputs}-{Outputs} linear" : $"{Inputs}-{string.Join("-", Hidden)}-{Outputs} {Activation.ToString().ToLowerInvariant()}";

    /// <summary>The activation of a network without hidden layers is never applied, so it does not tell two shapes apart.</summary>
    private Activation? AppliedActivation => Hidden.Count == 0 ? null : Activation;

    public bool Equals(NetworkShape? other) =>
        other is not null && Inputs == other.Inputs && Outputs == other.Outputs && AppliedActivation == other.AppliedActivation && Hidden.SequenceEqual(other.Hidden);

    public override int GetHashCode() => HashCode.Combine(Inputs, Outputs, AppliedActivation, Hidden.Count);
}

/// <summary>
/// Forward pass of a <see cref="NetworkShape"/>. Holds its scratch buffers, so <see cref="Forward"/> allocates
/// nothing; one instance per evaluator thread.
/// </summary>
public sealed class MlpPolicy
{
    private readonly float[] _bufferA;
    private readonly float[] _bufferB;
    private readonly int[] _widths;
    private readonly int _parameterCount;

    public MlpPolicy(NetworkShape shape)
    {
        shape.Validate();
        Shape = shape;
        _widths = shape.LayerWidths().ToArray();
        // Cached: NetworkShape.ParameterCount enumerates LINQ iterators (an allocation on every call).
        _parameterCount = shape.ParameterCount;
        var widest = Math.Max(shape.Inputs, _widths.Max());
        _bufferA = new float[widest];
        _bufferB = new float[widest];
    }

    public NetworkShape Shape { get; }

    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> output)
    {
        if (parameters.Length != _parameterCount) throw new ArgumentException($"expected {_parameterCount} parameters, got {parameters.Length}");
        if (input.Length != Shape.Inputs || output.Length != Shape.Outputs) throw new ArgumentException("input or output size does not match the network shape");
        input.CopyTo(_bufferA);
        var current = _bufferA; var next = _bufferB;
        var inWidth = Shape.Inputs; var offset = 0;
        for (var layer = 0; layer < _widths.Length; layer++)
        {
            var width = _widths[layer];
            var x = new ReadOnlySpan<float>(current, 0, inWidth);
            var weights = parameters.Slice(offset, width * inWidth);
            var biases = parameters.Slice(offset + width * inWidth, width);
            var y = new Span<float>(next, 0, width);
            for (var row = 0; row < width; row++)
                y[row] = TensorPrimitives.Dot(weights.Slice(row * inWidth, inWidth), x) + biases[row];
            var isOutput = layer == _widths.Length - 1;
            if (!isOutput)
            {
                if (Shape.Activation == Activation.Tanh) TensorPrimitives.Tanh(y, y);
                else TensorPrimitives.Max(y, 0f, y);
            }
            offset += width * inWidth + width;
            inWidth = width;
            (current, next) = (next, current);
        }
        new ReadOnlySpan<float>(current, 0, Shape.Outputs).CopyTo(output);
    }
}
