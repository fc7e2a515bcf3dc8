package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.registry.RegistryException;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Writes records of one Avro schema in one framing and reads them in either.
 *
 * <p>Writing uses Avro single-object encoding unless a registry is given, in which case it uses the Confluent
 * wire format and registers the schema under {@code subject} (once; the id is cached). Reading detects the
 * framing from the first bytes: single-object records resolve their writer schema by fingerprint among the
 * schemas this codec knows (the current one plus any added with {@link #withKnownWriterSchema}); Confluent records
 * fetch the writer schema by id from the registry (cached). Either way the record is resolved to the current
 * schema, so a record written with an older, backward-compatible schema still reads.
 *
 * <p>Thread-safe. Bytes that cannot be read throw {@link DecodeException} with a stable reason code.
 */
public final class AvroCodec<T extends SpecificRecord> {
    private final Schema schema;
    private final SpecificData data;
    private final BinaryMessageEncoder<T> singleObjectEncoder;
    private final BinaryMessageDecoder<T> singleObjectDecoder;
    private final SchemaRegistryClient registry;
    private final String subject;
    private final ConcurrentMap<Integer, SpecificDatumReader<T>> readersById = new ConcurrentHashMap<>();
    private final SpecificDatumWriter<T> writer;
    private volatile int registeredId = -1;

    private AvroCodec(Schema schema, SchemaRegistryClient registry, String subject) {
        this.schema = schema;
        this.data = SpecificData.getForSchema(schema);
        this.singleObjectEncoder = new BinaryMessageEncoder<>(data, schema);
        this.singleObjectDecoder = new BinaryMessageDecoder<>(data, schema);
        this.registry = registry;
        this.subject = subject;
        this.writer = new SpecificDatumWriter<>(schema, data);
    }

    /** A codec that writes single-object encoding and reads both framings (Confluent ones only if a registry is given). */
    public static <T extends SpecificRecord> AvroCodec<T> singleObject(Schema schema, SchemaRegistryClient registryOrNull) {
        return new AvroCodec<>(schema, registryOrNull, null);
    }

    /** A codec that writes the Confluent wire format, registering {@code schema} under {@code subject}, and reads both. */
    public static <T extends SpecificRecord> AvroCodec<T> confluent(Schema schema, SchemaRegistryClient registry, String subject) {
        return new AvroCodec<>(schema, Objects.requireNonNull(registry, "registry"), Objects.requireNonNull(subject, "subject"));
    }

    /** Lets single-object records written with {@code olderSchema} be read (resolved to the current schema). */
    public AvroCodec<T> withKnownWriterSchema(Schema olderSchema) {
        singleObjectDecoder.addSchema(olderSchema);
        return this;
    }

    /** The framing this codec writes. */
    public Framing writeFraming() {
        return subject == null ? Framing.SINGLE_OBJECT : Framing.CONFLUENT;
    }

    public Schema schema() {
        return schema;
    }

    public byte[] encode(T record) {
        try {
            if (subject == null) {
                ByteBuffer buffer = singleObjectEncoder.encode(record);
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return bytes;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            int id = schemaId();
            out.write(0);
            out.write(id >>> 24);
            out.write(id >>> 16);
            out.write(id >>> 8);
            out.write(id);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new AvroRuntimeException("cannot encode " + schema.getFullName(), e);
        }
    }

    public T decode(byte[] bytes) {
        Framing framing = Framing.detect(bytes);
        if (framing == null) {
            throw new DecodeException("unknown_framing",
                    "expected Avro single-object encoding (C3 01 ...) or the Confluent wire format (00 + schema id), got "
                            + prefix(bytes), null);
        }
        try {
            if (framing == Framing.SINGLE_OBJECT) {
                return singleObjectDecoder.decode(bytes);
            }
            if (registry == null) {
                throw new DecodeException("no_registry",
                        "record uses the Confluent wire format but no schema registry is configured", null);
            }
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            SpecificDatumReader<T> reader = readersById.computeIfAbsent(id, this::readerFor);
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
            T record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new DecodeException("malformed_avro", (bytes.length - 5) + "-byte body has trailing bytes", null);
            }
            return record;
        } catch (DecodeException e) {
            throw e;
        } catch (MissingSchemaException e) {
            throw new DecodeException("unknown_schema", "no known schema has the record's fingerprint: " + e.getMessage(), e);
        } catch (RegistryException e) {
            throw new DecodeException("registry_error", e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new DecodeException("malformed_avro", "body does not decode as " + schema.getName() + ": " + e, e);
        }
    }

    private int schemaId() {
        int id = registeredId;
        if (id < 0) {
            id = registry.register(subject, schema);
            registeredId = id;
        }
        return id;
    }

    private SpecificDatumReader<T> readerFor(int id) {
        Schema writerSchema = registry.schemaById(id);
        return new SpecificDatumReader<>(writerSchema, schema, data);
    }

    private static String prefix(byte[] bytes) {
        if (bytes == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 4); i++) {
            sb.append(String.format("%02x", bytes[i] & 0xff));
        }
        return bytes.length + " bytes starting " + (sb.length() == 0 ? "(empty)" : sb.toString());
    }
}
