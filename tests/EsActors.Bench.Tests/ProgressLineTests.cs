using EsActors.Bench;

namespace EsActors.Bench.Tests;

public sealed class ProgressLineTests
{
    [Fact]
    public void Parses_train_progress_lines()
    {
        var s = ProgressLine.Parse("gen    12 | steps      21480 | mean     -9.50 | max     31.00 | eval     20.40 |     93060 steps/s |     3.2s | slots 2 | reissued 1", 1.5);
        Assert.NotNull(s);
        Assert.Equal((12, 21480L, 93060.0, 2), (s.Generation, s.Timesteps, s.StepsPerSecond, s.Slots));
        Assert.Null(ProgressLine.Parse("run bench-1: CartPole-v1, network ...", 0));
    }

    [Fact]
    public void Throughput_window_starts_when_all_slots_take_part()
    {
        var samples = new List<ProgressSample>
        {
            new(0, 1, 100, 1, 1), new(1, 2, 200, 1, 1), new(2, 3, 300, 1, 2), new(3, 4, 400, 1, 2), new(4, 5, 1400, 1000, 2), new(6, 6, 3400, 1000, 2),
        };
        var window = ThroughputWindow.From(samples, 2, 1);
        Assert.NotNull(window);
        Assert.Equal(4, window.FirstGeneration);
        Assert.Equal(2, window.Generations);
        Assert.Equal(1000, window.StepsPerSecond, 6);
        Assert.Null(ThroughputWindow.From(samples, 3, 0));
    }
}
