using System.Text.Json;
using System.Text.Json.Serialization;
using EsActors.Domain.Runs;
using EsActors.Node.Configuration;

namespace EsActors.Node.Outputs;

/// <summary>
/// <c>config.json</c> in the run's folder: the settings this start of the run resolved from HOCON and the command line —
/// the run definition (what θ depends on), the stop criteria, the dispatch and output settings — and the command
/// that resumes it. Rewritten at every start; the journal's first event stays the authority on the definition.
/// </summary>
public static class EffectiveConfiguration
{
    public const string FileName = "config.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static void Write(string path, string runId, RunDefinition definition, StopCriteria stop, DispatchSettings dispatch, OutputSettings outputs,
        int slots, string journal, string resumeCommand)
    {
        var document = new { RunId = runId, Run = definition, Stop = stop, Dispatch = dispatch, Outputs = outputs, Slots = slots, Journal = journal, Resume = resumeCommand };
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(document, Json) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
