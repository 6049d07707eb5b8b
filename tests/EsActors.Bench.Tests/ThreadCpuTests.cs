using System.Diagnostics;
using EsActors.Bench;
using EsActors.Node.Configuration;

namespace EsActors.Bench.Tests;

/// <summary>The bench's split of a node's CPU time into evaluator threads and the rest, read from /proc.</summary>
public sealed class ThreadCpuTests
{
    [Fact]
    public void Stat_line_fields_are_counted_after_the_command_name_even_when_it_holds_spaces_and_parentheses()
    {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        const string line = "4242 (odd (name) x) R 1 1 1 0 -1 4194304 10 0 0 0 250 75 0 0 20 0 1 0";
        Assert.Equal(3.25, ThreadCpu.UserPlusSystemSeconds(line), 6);
    }

    [Fact]
    public void A_thread_named_like_the_evaluator_dispatcher_counts_as_evaluator_time()
    {
        Assert.StartsWith(ThreadCpu.EvaluatorThreadPrefix, NodeDispatchers.Evaluator + "_1");
        var before = ThreadCpu.Read(Environment.ProcessId);
        Assert.NotNull(before);
        var stop = false;
        var spin = new Thread(() =>
        {
            var x = 0.0;
            while (!Volatile.Read(ref stop)) x += Math.Sqrt(x + 1);
            GC.KeepAlive(x);
        }) { Name = NodeDispatchers.Evaluator + "_test", IsBackground = true };
        spin.Start();
        // Read while the thread is alive (/proc lists live threads only), until it has run 0.25 s on a core. Other
        // tests of this process may run evaluator threads too; they can only add time.
        var during = before!;
        var deadline = Stopwatch.StartNew();
        try
        {
            while (during.EvaluatorSeconds - before!.EvaluatorSeconds < 0.25 && deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                Thread.Sleep(20);
                during = ThreadCpu.Read(Environment.ProcessId) ?? during;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            spin.Join();
        }
        var after = ThreadCpu.Read(Environment.ProcessId)!;
        Assert.True(during.EvaluatorSeconds - before.EvaluatorSeconds >= 0.25, $"evaluator seconds {before.EvaluatorSeconds} → {during.EvaluatorSeconds}");
        Assert.True(after.TotalSeconds - before.TotalSeconds >= 0.2, $"process seconds {before.TotalSeconds} → {after.TotalSeconds}");
        Assert.True(after.TotalSeconds >= after.EvaluatorSeconds);
    }
}
