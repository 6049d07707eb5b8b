using EsActors.Node.Optimizer;
using EsActors.Node.Protocol;

namespace EsActors.Node.Tests.Optimizer;

public sealed class SlotSharesTests
{
    /// <summary>Two nodes' slots, ids as EvaluatorIds writes them (host:port:uid:slot), deliberately unsorted.</summary>
    private static readonly string[] Slots =
    [
        "127.0.0.1:5001:2:1", "127.0.0.1:5000:1:0", "127.0.0.1:5001:2:0", "127.0.0.1:5000:1:2",
        "127.0.0.1:5000:1:1", "127.0.0.1:5001:2:2", "127.0.0.1:5000:1:3", "127.0.0.1:5001:2:3",
    ];

    [Fact]
    public void A_run_alone_gets_every_slot()
    {
        Assert.Equal(Slots.Order(StringComparer.Ordinal), SlotShares.Of("a", Slots, ["a"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Equal_shares_partition_the_slots_and_give_each_run_half_of_every_node()
    {
        var a = SlotShares.Of("a", Slots, ["a", "b"]);
        var b = SlotShares.Of("b", Slots, ["a", "b"]);
        Assert.Empty(a.Intersect(b));
        Assert.Equal(Slots.Length, a.Count + b.Count);
        foreach (var node in new[] { "127.0.0.1:5000:", "127.0.0.1:5001:" })
        {
            Assert.Equal(2, a.Count(s => s.StartsWith(node, StringComparison.Ordinal)));
            Assert.Equal(2, b.Count(s => s.StartsWith(node, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void Three_runs_share_out_every_slot_with_at_most_one_slot_of_difference()
    {
        string[] runs = ["x", "y", "z"];
        var shares = runs.Select(r => SlotShares.Of(r, Slots, runs)).ToList();
        Assert.Equal(Slots.Length, shares.Sum(s => s.Count));
        Assert.Equal(Slots.Length, shares.SelectMany(s => s).Distinct().Count());
        Assert.InRange(shares.Max(s => s.Count) - shares.Min(s => s.Count), 0, 1);
    }

    [Fact]
    public void Shares_do_not_depend_on_the_order_the_slots_are_listed_in()
    {
        Assert.Equal(SlotShares.Of("b", Slots, ["a", "b"]).Order(StringComparer.Ordinal),
            SlotShares.Of("b", Slots.Reverse(), ["a", "b"]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Weights_share_the_slots_in_proportion()
    {
        var runs = new List<(string, double)> { ("big", 3), ("small", 1) };
        Assert.Equal(6, SlotShares.Of("big", Slots, runs).Count);
        Assert.Equal(2, SlotShares.Of("small", Slots, runs).Count);
    }

    [Fact]
    public void A_run_that_is_not_hosted_gets_no_slot_and_without_slots_nobody_gets_one()
    {
        Assert.Empty(SlotShares.Of("gone", Slots, ["a", "b"]));
        Assert.Empty(SlotShares.Of("a", [], ["a", "b"]));
    }

    [Fact]
    public void Hosted_runs_fold_the_run_hosts_events_and_old_activations_still_switch()
    {
        var runs = new object[] { new RunHosted("a"), new RunHosted("b"), new RunHosted("a"), new RunRetired("a", Finished: true), new RunHosted("c") }
            .Aggregate(HostedRuns.Empty, (h, e) => h.Apply(e));
        Assert.Equal(["b", "c"], runs.RunIds);
        // A journal of an older build: each activation replaced the run before it.
        var legacy = new object[] { new RunActivated("old"), new RunActivated("older-but-later") }.Aggregate(HostedRuns.Empty, (h, e) => h.Apply(e));
        Assert.Equal(["older-but-later"], legacy.RunIds);
        // ... and a run started by this build joins the legacy one.
        Assert.Equal(["older-but-later", "new"], legacy.Apply(new RunHosted("new")).RunIds);
    }
}
