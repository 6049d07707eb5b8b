using Akka.Configuration;
using EsActors.Node.Configuration;

namespace EsActors.Node.Tests.Configuration;

/// <summary><c>esactors.dispatch</c>, and its old name <c>esactors.optimizer</c> that configurations written before 2026-12 use.</summary>
public sealed class DispatchSettingsTests
{
    private static readonly Config Shipped = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "esactors.conf")));

    [Fact]
    public void The_shipped_defaults_are_read_from_esactors_dispatch()
    {
        var settings = DispatchSettings.From(Shipped);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.BatchTimeout);
        Assert.Equal(8, settings.BatchesPerSlot);
        Assert.True(settings.SplitTailPairs);
        Assert.True(Shipped.HasPath("esactors.dispatch.batch-timeout"));
        Assert.False(Shipped.HasPath("esactors.optimizer"));
    }

    [Fact]
    public void The_old_section_name_is_still_read_and_wins_over_the_defaults()
    {
        var old = ConfigurationFactory.ParseString("esactors.optimizer { batch-timeout = 5s, split-tail-pairs = off }").WithFallback(Shipped);
        var settings = DispatchSettings.From(old);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.BatchTimeout);
        Assert.False(settings.SplitTailPairs);
        Assert.Equal(8, settings.BatchesPerSlot); // unset there: the default
        // The step rule's key esactors.run.optimizer is a different setting and is not mistaken for the old section.
        Assert.Equal(TimeSpan.FromSeconds(60), DispatchSettings.From(ConfigurationFactory.ParseString("esactors.run.optimizer = adam").WithFallback(Shipped)).BatchTimeout);
    }

    [Fact]
    public void The_slot_bound_per_node_defaults_to_256_and_must_be_positive()
    {
        Assert.Equal(256, DispatchSettings.From(Shipped).MaxSlotsPerNode);
        Assert.Equal(16, DispatchSettings.From(ConfigurationFactory.ParseString("esactors.dispatch.max-slots-per-node = 16").WithFallback(Shipped)).MaxSlotsPerNode);
        var error = Assert.Throws<ArgumentException>(() => DispatchSettings.From(ConfigurationFactory.ParseString("esactors.dispatch.max-slots-per-node = 0").WithFallback(Shipped)));
        Assert.Contains("max-slots-per-node", error.Message);
    }

    [Fact]
    public void A_bad_value_names_the_setting()
    {
        var bad = ConfigurationFactory.ParseString("esactors.dispatch.batches-per-slot = 0").WithFallback(Shipped);
        var error = Assert.Throws<ArgumentException>(() => DispatchSettings.From(bad));
        Assert.Equal("esactors.dispatch.batches-per-slot must be at least 1", error.Message);
    }
}
