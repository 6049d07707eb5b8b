using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using EsActors.Node.Configuration;
using EsActors.Node.Protocol;
using EsActors.Node.Serialization;
using EsActors.Node.Tests.Support;

namespace EsActors.Node.Tests.Security;

/// <summary>A type a JSON payload could name: counts how often anything constructs it.</summary>
public sealed class JsonCanary
{
    private static int _constructed;
    public static int Constructed => Volatile.Read(ref _constructed);
    public JsonCanary() => Interlocked.Increment(ref _constructed);
}

/// <summary>Not a protocol message: a node must refuse to put it on the wire.</summary>
public sealed record NotAProtocolMessage(string Text);

/// <summary>
/// Closed wire types: a node's serialization (the real node configuration, NodeConfig.Build) accepts only the
/// protocol's and Akka's own message types. Each refusal is checked against Akka's default configuration too, where
/// the same payload does load and construct the type it names — so these tests fail if the JSON serializer comes back.
/// Runs in one class (sequentially): the canary's count is shared.
/// </summary>
public sealed class ClosedWireTypesTests : IDisposable
{
    private const string ForeignAssembly = "EsActors.SecurityCanaryNotHere";
    private static readonly string CanaryManifest = typeof(JsonCanary).AssemblyQualifiedName!.Split(", Version")[0];
    private static readonly string ForeignManifest = $"Probe.Gadget, {ForeignAssembly}";

    private readonly TempDirectory _temp = new("esactors-wire-");
    private readonly ActorSystem _node;

    public ClosedWireTypesTests()
    {
        var options = new NodeOptions("127.0.0.1", 0, [], 1, JournalTarget.Parse(_temp.File("journal.db")), null, null);
        _node = ActorSystem.Create(NodeOptions.SystemName, NodeConfig.Build(options));
    }

    private static byte[] JsonNaming(string type) => Encoding.UTF8.GetBytes($$"""{"$type":"{{type}}"}""");

    /// <summary>Deserializes with Akka's JSON serializer id and reports which assemblies the runtime was asked to find meanwhile.</summary>
    private static (Exception? Error, List<string> Resolved) DeserializeAsJson(ActorSystem system, string typeName)
    {
        var resolved = new List<string>();
        ResolveEventHandler record = (_, args) => { lock (resolved) resolved.Add(args.Name); return null; };
        AppDomain.CurrentDomain.AssemblyResolve += record;
        try
        {
            system.Serialization.Deserialize(JsonNaming(typeName), 1, typeName);
            return (null, resolved);
        }
        catch (Exception e) { return (e, resolved); }
        finally { AppDomain.CurrentDomain.AssemblyResolve -= record; }
    }

    [Fact]
    public void A_payload_naming_a_dotnet_type_for_the_json_serializer_is_dropped_without_building_or_loading_the_type()
    {
        var before = JsonCanary.Constructed;
        var (canaryError, _) = DeserializeAsJson(_node, CanaryManifest);
        var (foreignError, resolved) = DeserializeAsJson(_node, ForeignManifest);

        Assert.IsType<SerializationException>(canaryError);
        Assert.Contains("serializer with id [1]", canaryError.Message);
        Assert.Equal(before, JsonCanary.Constructed);
        Assert.IsType<SerializationException>(foreignError);
        Assert.DoesNotContain(resolved, name => name.StartsWith(ForeignAssembly, StringComparison.Ordinal));

        // The control: Akka's defaults build the named type and go looking for the named assembly.
        using var defaults = ActorSystem.Create("defaults", ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        var (controlError, _) = DeserializeAsJson(defaults, CanaryManifest);
        var (_, controlResolved) = DeserializeAsJson(defaults, ForeignManifest);
        Assert.Null(controlError);
        Assert.Equal(before + 1, JsonCanary.Constructed);
        Assert.Contains(controlResolved, name => name.StartsWith(ForeignAssembly, StringComparison.Ordinal));
    }

    [Fact]
    public void Only_protocol_and_akka_messages_serialize_and_any_other_object_is_refused()
    {
        var serialization = _node.Serialization;

        var refused = Assert.Throws<SerializationException>(() => serialization.Serialize(new NotAProtocolMessage("hello")));
        Assert.Contains(nameof(NotAProtocolMessage), refused.Message);
        Assert.IsType<ClosedWireSerializer>(serialization.FindSerializerForType(typeof(object)));
        Assert.Throws<SerializationException>(() => serialization.Deserialize([], ClosedWireSerializer.Id, "anything"));

        var protocol = new FetchState("run-1");
        var protocolSerializer = serialization.FindSerializerFor(protocol);
        Assert.IsType<EsSerializer>(protocolSerializer);
        Assert.Equal(protocol, serialization.Deserialize(serialization.Serialize(protocol), protocolSerializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(protocolSerializer, protocol)));

        // Akka's own messages keep their own serializers (what cluster gossip, sharding and singletons rely on).
        var identify = new Identify(42);
        var akkaSerializer = serialization.FindSerializerFor(identify);
        Assert.IsNotType<ClosedWireSerializer>(akkaSerializer);
        var back = Assert.IsType<Identify>(serialization.Deserialize(serialization.Serialize(identify), akkaSerializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(akkaSerializer, identify)));
        Assert.Equal(42, back.MessageId);
    }

    public void Dispose()
    {
        _node.Terminate().Wait(TimeSpan.FromSeconds(15));
        _temp.Dispose();
    }
}
