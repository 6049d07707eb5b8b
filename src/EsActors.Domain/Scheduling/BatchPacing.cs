namespace EsActors.Domain.Scheduling;

/// <summary>
/// How a generation's pairs are cut into batches, from what the previous generation measured. Timing only decides
/// how work is cut, never what is computed: results are the same for any batching. The optimizer and the bench's
/// dispatch simulation both pace their batches with this one rule.
/// </summary>
public sealed class BatchPacing(double minBatchSeconds)
{
    private double _pairSeconds, _pairsTimed, _secondsPerPair;

    /// <summary>Evaluation seconds per mirrored pair measured over the last closed generation (0 until known).</summary>
    public double SecondsPerPair => _secondsPerPair;

    /// <summary>Pairs the next generation's batches need to take min-batch-time (1 until a time is known).</summary>
    public int MinPairsPerBatch => MinPairs(minBatchSeconds, _secondsPerPair);

    /// <summary>Counts a pair batch's evaluation time; <paramref name="pairs"/> may be fractional (half pairs).</summary>
    public void Record(double seconds, double pairs)
    {
        if (seconds <= 0 || pairs <= 0) return;
        _pairSeconds += seconds;
        _pairsTimed += pairs;
    }

    /// <summary>Ends a generation: its time per pair paces the next one (kept as it was when nothing was timed).</summary>
    public void CloseGeneration()
    {
        if (_pairsTimed > 0) _secondsPerPair = _pairSeconds / _pairsTimed;
        _pairSeconds = 0;
        _pairsTimed = 0;
    }

    /// <summary>
    /// Fewest pairs a batch needs to take <paramref name="minBatchSeconds"/>, from the measured time per pair
    /// (1 until a time is known): a batch of cheap episodes must outlast a message round trip.
    /// </summary>
    public static int MinPairs(double minBatchSeconds, double secondsPerPair) =>
        secondsPerPair > 0 ? (int)Math.Clamp(Math.Ceiling(minBatchSeconds / secondsPerPair), 1, int.MaxValue / 2) : 1;
}
