using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace EsActors.Node.Serialization;

/// <summary>
/// Takes the place of Akka's default JSON serializer (bound to <c>System.Object</c>): it serializes nothing and reads
/// nothing. Akka's JSON serializer writes and reads .NET type names (<c>$type</c>), so any peer could make a node load
/// and construct a type of its choosing; with this one in its place, only types with their own binding travel — the
/// protocol's (<see cref="EsSerializer"/>) and Akka's own system messages (protobuf serializers). A message of any
/// other type fails to send instead of silently falling back to JSON.
/// </summary>
/// <remarks>
/// It has its own identifier, so serializer id 1 (JSON) does not exist on a node and a payload that names it is
/// dropped by Akka's lookup before any type name in it is read. It is a <see cref="SerializerWithStringManifest"/>
/// so Akka hands it the manifest as a string instead of resolving it as a type first.
/// </remarks>
public sealed class ClosedWireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka passes the JSON serializer's settings block (<c>akka.actor.serialization-settings.json</c>): ignored.</summary>
    public ClosedWireSerializer(ExtendedActorSystem system, Config _) : this(system) { }

    public const int Id = 7302;
    public override int Identifier => Id;

    public override string Manifest(object o) => throw Refuse(o);

    public override byte[] ToBinary(object obj) => throw Refuse(obj);

    public override object FromBinary(byte[] bytes, string manifest) =>
        throw new SerializationException($"payload refused: '{manifest}' is not an EsActors or Akka message type (no serializer binding)");

    private static SerializationException Refuse(object o) =>
        new($"{o.GetType().FullName} is not an EsActors or Akka message type: only bound types travel between nodes (hocon/serialization.conf)");
}
