using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using EsActors.Environments.Rollouts;

namespace EsActors.Node.Outputs;

/// <summary>
/// <c>play --record FILE.csv</c>: one row per step — episode (from 1, as play prints it), step (from 0), the raw
/// observation the policy acted on (obs_0..), the action given to the environment (act_0..; a discrete action is its
/// index) and the reward of that step.
/// </summary>
public sealed class EpisodeRecording : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly CsvWriter _csv;

    public EpisodeRecording(string path, int observationSize, int actionSize)
    {
        _writer = new StreamWriter(path);
        _csv = new CsvWriter(_writer, new CsvConfiguration(CultureInfo.InvariantCulture));
        _csv.WriteField("episode");
        _csv.WriteField("step");
        for (var i = 0; i < observationSize; i++) _csv.WriteField($"obs_{i}");
        for (var i = 0; i < actionSize; i++) _csv.WriteField($"act_{i}");
        _csv.WriteField("reward");
        _csv.NextRecord();
    }

    /// <summary>The observer for episode <paramref name="episodeIndex"/> (from 0).</summary>
    public StepObserver Episode(int episodeIndex) => (step, observation, action, result) =>
    {
        _csv.WriteField(episodeIndex + 1);
        _csv.WriteField(step);
        // "R": the shortest text that reads back to the same float, so a replay can compare exactly.
        foreach (var x in observation) _csv.WriteField(x.ToString("R", CultureInfo.InvariantCulture));
        foreach (var a in action) _csv.WriteField(a.ToString("R", CultureInfo.InvariantCulture));
        _csv.WriteField(result.Reward.ToString("R", CultureInfo.InvariantCulture));
        _csv.NextRecord();
    };

    public void Dispose()
    {
        _csv.Dispose();
        _writer.Dispose();
    }
}
