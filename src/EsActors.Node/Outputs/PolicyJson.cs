using System.Text.Json;
using EsActors.Domain.Normalization;
using EsActors.Domain.Policies;
using EsActors.Environments;

namespace EsActors.Node.Outputs;

/// <summary>
/// <c>policy.json</c>: a policy in a form any language can run without EsActors (schema: docs/policy-format.md).
/// It carries the same numbers as policy.bin plus what the binary file leaves to the code: the parameter layout,
/// the observation clip and the action mapping with the environment's bounds.
/// </summary>
public static class PolicyJson
{
    public const string FileName = "policy.json";
    public const string Format = "esactors-policy";
    public const int Version = 1;

    public static void Write(string path, PolicyFile policy)
    {
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            Write(json, policy);
        File.Move(temp, path, overwrite: true);
    }

    private static void Write(Utf8JsonWriter json, PolicyFile policy)
    {
        var spec = EnvironmentRegistry.GetSpec(policy.EnvironmentId);
        var network = policy.Network;
        json.WriteStartObject();
        json.WriteString("format", Format);
        json.WriteNumber("version", Version);
        json.WriteString("environment", policy.EnvironmentId);

        json.WriteStartObject("observation");
        json.WriteNumber("size", network.Inputs);
        json.WriteBoolean("normalize", policy.NormalizeObservations);
        if (policy.NormalizeObservations)
        {
            Floats(json, "mean", policy.ObservationMean);
            Floats(json, "std", policy.ObservationStd);
            json.WriteNumber("clip", ObservationNormalizer.DefaultClip);
        }
        json.WriteEndObject();

        json.WriteStartObject("network");
        json.WriteNumber("inputs", network.Inputs);
        json.WriteStartArray("layers");
        foreach (var width in network.LayerWidths()) json.WriteNumberValue(width);
        json.WriteEndArray();
        json.WriteString("hidden_activation", network.Activation.ToString().ToLowerInvariant());
        json.WriteString("output_activation", "linear");
        json.WriteString("layout", "per layer: weights row-major [output][input], then biases");
        json.WriteNumber("parameter_count", policy.Theta.Length);
        Floats(json, "theta", policy.Theta);
        json.WriteEndObject();

        json.WriteStartObject("action");
        if (spec.Action.IsDiscrete)
        {
            json.WriteString("kind", "discrete");
            json.WriteNumber("count", spec.Action.Count);
        }
        else
        {
            json.WriteString("kind", policy.ActionBins > 0 ? "box-bins" : policy.BoxHead == BoxHead.Linear ? "box-linear" : "box-tanh");
            json.WriteNumber("size", spec.Action.Size);
            if (policy.ActionBins > 0) json.WriteNumber("bins", policy.ActionBins);
            Floats(json, "low", spec.Action.Low);
            Floats(json, "high", spec.Action.High);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Floats(Utf8JsonWriter json, string name, IEnumerable<float> values)
    {
        json.WriteStartArray(name);
        // System.Text.Json writes the shortest text that reads back to the same float32.
        foreach (var x in values) json.WriteNumberValue(x);
        json.WriteEndArray();
    }
}
