using System.Globalization;
using EsActors.Node.Configuration;

namespace EsActors.Bench;

/// <summary>
/// CPU time of a node process split into its evaluator threads and everything else (optimizer, messaging,
/// journal, runtime), read from Linux's /proc. It tells whether a cluster row lost its efficiency to idle cores
/// (the generation barrier) or to other threads taking the evaluators' cores.
/// </summary>
public static class ThreadCpu
{
    /// <summary>Thread names of the evaluator dispatcher ("esactors.evaluator-dispatcher_N") as /proc shows them (15 characters).</summary>
    public static readonly string EvaluatorThreadPrefix = NodeDispatchers.Evaluator[..Math.Min(15, NodeDispatchers.Evaluator.Length)];

    // USER_HZ: the unit of utime/stime in /proc, fixed at 100 in Linux's user ABI.
    private const double TicksPerSecond = 100;

    public sealed record Sample(double EvaluatorSeconds, double TotalSeconds)
    {
        public double OtherSeconds => Math.Max(0, TotalSeconds - EvaluatorSeconds);
        public static Sample operator -(Sample a, Sample b) => new(a.EvaluatorSeconds - b.EvaluatorSeconds, a.TotalSeconds - b.TotalSeconds);
        public static Sample operator +(Sample a, Sample b) => new(a.EvaluatorSeconds + b.EvaluatorSeconds, a.TotalSeconds + b.TotalSeconds);
        public static readonly Sample Zero = new(0, 0);
    }

    /// <summary>
    /// Evaluator threads: scheduler run time (schedstat, ns) of the live threads, or their utime+stime.
    /// Total: the process's utime+stime, which still counts threads that have exited since. Null off Linux or
    /// when the process is gone.
    /// </summary>
    public static Sample? Read(int pid)
    {
        try
        {
            var total = UserPlusSystemSeconds(File.ReadAllText($"/proc/{pid}/stat"));
            var evaluators = 0.0;
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string name;
                try { name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'); }
                catch (IOException) { continue; } // the thread exited meanwhile
                if (!name.StartsWith(EvaluatorThreadPrefix, StringComparison.Ordinal)) continue;
                try
                {
                    var schedstat = Path.Combine(task, "schedstat");
                    evaluators += File.Exists(schedstat)
                        ? long.Parse(File.ReadAllText(schedstat).Split(' ')[0], CultureInfo.InvariantCulture) / 1e9
                        : UserPlusSystemSeconds(File.ReadAllText(Path.Combine(task, "stat")));
                }
                catch (IOException) { }
            }
            return new Sample(evaluators, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>utime + stime (fields 14 and 15) of a /proc stat line; the command name may contain spaces, so count after its ')'.</summary>
    public static double UserPlusSystemSeconds(string statLine)
    {
        var fields = statLine[(statLine.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14 → index 11, stime field 15 → index 12.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
