using Akka.Configuration;

namespace EsActors.Node.Actors;

/// <summary>Runtime knobs of the optimizer's dispatch loop (they never change θ; see hocon/esactors.conf).</summary>
public sealed record DispatchSettings(
    TimeSpan BatchTimeout,
    int BatchesPerSlot,
    int BatchesInFlightPerSlot,
    int ReplayWindow,
    double BackupAfter,
    TimeSpan TickInterval,
    TimeSpan MinBatchTime = default,
    bool SplitTailPairs = true)
{
    public static DispatchSettings From(Config config)
    {
        var c = config.GetConfig("esactors.optimizer");
        var settings = new DispatchSettings(
            c.GetTimeSpan("batch-timeout", TimeSpan.FromSeconds(60)),
            c.GetInt("batches-per-slot", 8),
            c.GetInt("batches-in-flight-per-slot", 2),
            c.GetInt("replay-window", 64),
            c.GetDouble("backup-after", 2.0),
            c.GetTimeSpan("tick-interval", TimeSpan.FromMilliseconds(250)),
            c.GetTimeSpan("min-batch-time", TimeSpan.FromMilliseconds(2)),
            c.GetBoolean("split-tail-pairs", true));
        if (settings.BatchTimeout <= TimeSpan.Zero) throw new ArgumentException("esactors.optimizer.batch-timeout must be positive");
        if (settings.BatchesPerSlot < 1) throw new ArgumentException("esactors.optimizer.batches-per-slot must be at least 1");
        if (settings.BatchesInFlightPerSlot < 1) throw new ArgumentException("esactors.optimizer.batches-in-flight-per-slot must be at least 1");
        if (settings.ReplayWindow < 1) throw new ArgumentException("esactors.optimizer.replay-window must be at least 1");
        if (settings.MinBatchTime < TimeSpan.Zero) throw new ArgumentException("esactors.optimizer.min-batch-time must not be negative");
        if (settings.TickInterval <= TimeSpan.Zero) throw new ArgumentException("esactors.optimizer.tick-interval must be positive");
        return settings;
    }
}
