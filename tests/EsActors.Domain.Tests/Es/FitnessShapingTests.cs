using EsActors.Domain.Randomness;
using EsActors.Domain.Es;

namespace EsActors.Domain.Tests.Es;

public class FitnessShapingTests
{
    [Fact]
    public void Centered_ranks_map_the_worst_return_to_minus_half_and_the_best_to_plus_half()
    {
        // Arrange: ranks are [3, 0, 4, 1, 2] → rank / 4 − 0.5.
        double[] returns = [10.0, -7.0, 1e9, 0.5, 3.0];
        var shaped = new float[returns.Length];

        // Act
        FitnessShaping.CenteredRanks(returns, shaped);

        // Assert
        Assert.Equal(new[] { 0.25f, -0.5f, 0.5f, -0.25f, 0f }, shaped);
    }

    [Fact]
    public void Centered_ranks_break_ties_by_position()
    {
        // Arrange
        double[] returns = [2.0, 1.0, 2.0, 1.0];
        var shaped = new float[4];

        // Act
        FitnessShaping.CenteredRanks(returns, shaped);

        // Assert: the 1.0s take ranks 0 (index 1) and 1 (index 3), the 2.0s ranks 2 (index 0) and 3 (index 2).
        Assert.Equal(new[] { 1f / 6, -0.5f, 0.5f, -1f / 6 }, shaped);
    }

    [Fact]
    public void Centered_ranks_of_equal_returns_follow_the_input_order()
    {
        var shaped = new float[3];
        FitnessShaping.CenteredRanks([5.0, 5.0, 5.0], shaped);
        Assert.Equal(new[] { -0.5f, 0f, 0.5f }, shaped);
    }

    [Fact]
    public void A_single_return_shapes_to_zero()
    {
        var shaped = new[] { 123f };
        FitnessShaping.CenteredRanks([42.0], shaped);
        Assert.Equal(0f, shaped[0]);
    }

    [Fact]
    public void Centered_ranks_are_a_zero_mean_permutation_invariant_to_monotone_transforms()
    {
        // Arrange
        var rng = new DeterministicRandom(5);
        var returns = Enumerable.Range(0, 101).Select(_ => rng.NextGaussian()).ToArray();
        var transformed = returns.Select(r => Math.Exp(3 * r) - 17).ToArray(); // strictly increasing map
        var shaped = new float[101]; var shapedTransformed = new float[101];

        // Act
        FitnessShaping.CenteredRanks(returns, shaped);
        FitnessShaping.CenteredRanks(transformed, shapedTransformed);

        // Assert: only the order matters; values are the evenly spaced grid {k/100 − 0.5}.
        Assert.Equal(shaped, shapedTransformed);
        Assert.Equal(0.0, shaped.Sum(s => (double)s), 5);
        var expectedGrid = Enumerable.Range(0, 101).Select(k => (float)(k / 100.0 - 0.5));
        Assert.Equal(expectedGrid, shaped.OrderBy(s => s));
    }

    [Fact]
    public void Centered_ranks_reject_an_output_of_the_wrong_length()
    {
        Assert.Throws<ArgumentException>(() => FitnessShaping.CenteredRanks([1.0, 2.0], new float[3]));
    }
}
