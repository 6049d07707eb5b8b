using Akka.Configuration;
using Serilog;

namespace EsActors.Node.Configuration;

/// <summary>
/// Runtime knobs of the optimizer's dispatch loop, <c>esactors.dispatch</c> in hocon/esactors.conf. They decide
/// how work is cut and where it goes, never θ. (Before 2026-12 the block was <c>esactors.optimizer</c>, a name
/// it shared with the step rule <c>esactors.run.optimizer</c>; that block is still read, with a warning.)
/// </summary>
public sealed record DispatchSettings(
    TimeSpan BatchTimeout,
    int BatchesPerSlot,
    int BatchesInFlightPerSlot,
    int ReplayWindow,
    double BackupAfter,
    TimeSpan TickInterval,
    TimeSpan MinBatchTime = default,
    bool SplitTailPairs = true,
    int MaxSlotsPerNode = DispatchSettings.DefaultMaxSlotsPerNode)
{
    /// <summary>More slots than any one machine has cores for: a larger advertised count is a mistake or an attempt to draw the work.</summary>
    public const int DefaultMaxSlotsPerNode = 256;

    public const string Section = "esactors.dispatch";
    public const string LegacySection = "esactors.optimizer";

    public static DispatchSettings From(Config config)
    {
        var c = config.GetConfig(Section) ?? ConfigurationFactory.Empty;
        if (config.HasPath(LegacySection) && config.GetValue(LegacySection).IsObject())
        {
            Log.Warning("{Legacy} is the old name of {Section}: its settings are still read (and win over {Section}); rename the block", LegacySection, Section, Section);
            c = config.GetConfig(LegacySection).WithFallback(c);
        }
        var settings = new DispatchSettings(
            c.GetTimeSpan("batch-timeout", TimeSpan.FromSeconds(60)),
            c.GetInt("batches-per-slot", 8),
            c.GetInt("batches-in-flight-per-slot", 2),
            c.GetInt("replay-window", 64),
            c.GetDouble("backup-after", 2.0),
            c.GetTimeSpan("tick-interval", TimeSpan.FromMilliseconds(250)),
            c.GetTimeSpan("min-batch-time", TimeSpan.FromMilliseconds(2)),
            c.GetBoolean("split-tail-pairs", true),
            c.GetInt("max-slots-per-node", DefaultMaxSlotsPerNode));
        if (settings.BatchTimeout <= TimeSpan.Zero) throw new ArgumentException($"{Section}.batch-timeout must be positive");
        if (settings.BatchesPerSlot < 1) throw new ArgumentException($"{Section}.batches-per-slot must be at least 1");
        if (settings.BatchesInFlightPerSlot < 1) throw new ArgumentException($"{Section}.batches-in-flight-per-slot must be at least 1");
        if (settings.ReplayWindow < 1) throw new ArgumentException($"{Section}.replay-window must be at least 1");
        if (settings.MinBatchTime < TimeSpan.Zero) throw new ArgumentException($"{Section}.min-batch-time must not be negative");
        if (settings.MaxSlotsPerNode < 1) throw new ArgumentException($"{Section}.max-slots-per-node must be at least 1");
        if (settings.TickInterval <= TimeSpan.Zero) throw new ArgumentException($"{Section}.tick-interval must be positive");
        return settings;
    }
}
