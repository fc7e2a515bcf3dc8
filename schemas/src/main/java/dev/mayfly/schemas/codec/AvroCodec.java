package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.registry.RegistryException;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * <p>Records of the schemas Mayfly's writers were hand-written for (see {@link HandWrittenWriters}) are written by
 * those, with the same bytes as Avro's SpecificDatumWriter and several times faster; other schemas, and records the
 * hand-written writer cannot write, go through SpecificDatumWriter.
 *
 * <p>Thread-safe. Bytes that cannot be read throw {@link DecodeException} with a stable reason code.
 */
public final class AvroCodec<T extends SpecificRecord> {
    static {
        AvroLimits.apply(); // before anything is decoded: no declared length may exhaust the heap
    }

    private static final int SINGLE_OBJECT_HEADER = 10;
    private static final int CONFLUENT_HEADER = 5;
    private final Schema schema;
    private final SpecificData data;
    private final SpecificData readData;
    private final byte[] singleObjectHeader;
    private final ConcurrentMap<Long, SpecificDatumReader<T>> readersByFingerprint = new ConcurrentHashMap<>();
    private final SchemaRegistryClient registry;
    private final String subject;
    private final ConcurrentMap<Integer, SpecificDatumReader<T>> readersById = new ConcurrentHashMap<>();
    private final SpecificDatumWriter<T> writer;
    /** The hand-written writer for exactly this schema, or null. */
    private final DatumWriter<T> fastWriter;
    /** The Confluent header (00 + schema id) once the schema is registered. */
    private volatile byte[] confluentHeader;

    private AvroCodec(Schema schema, SchemaRegistryClient registry, String subject) {
        this.schema = schema;
        this.data = SpecificData.getForSchema(schema);
        this.readData = new ListData(data);
        this.singleObjectHeader = singleObjectHeader(schema);
        this.readersByFingerprint.put(SchemaNormalization.parsingFingerprint64(schema), new SpecificDatumReader<>(schema, schema, readData));
        this.registry = registry;
        this.subject = subject;
        this.writer = new SpecificDatumWriter<>(schema, data);
        @SuppressWarnings("unchecked")
        DatumWriter<T> fast = (DatumWriter<T>) HandWrittenWriters.forSchema(schema);
        this.fastWriter = fast;
    }

    /** The single-object encoding's header: the marker C3 01, then the schema's CRC-64-AVRO fingerprint, little-endian. */
    private static byte[] singleObjectHeader(Schema schema) {
        return ByteBuffer.allocate(SINGLE_OBJECT_HEADER).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 0xC3).put((byte) 0x01).putLong(SchemaNormalization.parsingFingerprint64(schema)).array();
    }

    /** A codec that writes single-object encoding and reads both framings (Confluent ones only if a registry is given). */
    public static <T extends SpecificRecord> AvroCodec<T> singleObject(Schema schema, SchemaRegistryClient registryOrNull) {
        return new AvroCodec<>(schema, registryOrNull, null);
    }

    /** A codec that writes the Confluent wire format, registering {@code schema} under {@code subject}, and reads both. */
    public static <T extends SpecificRecord> AvroCodec<T> confluent(Schema schema, SchemaRegistryClient registry, String subject) {
        return new AvroCodec<>(schema, Objects.requireNonNull(registry, "registry"), Objects.requireNonNull(subject, "subject"));
    }

    /**
     * Lets single-object records written with {@code olderSchema} be read (resolved to the current schema).
     *
     * @throws IllegalArgumentException when records of {@code olderSchema} cannot be read as the current schema
     */
    public AvroCodec<T> withKnownWriterSchema(Schema olderSchema) {
        long fingerprint = SchemaNormalization.parsingFingerprint64(olderSchema);
        try {
            readersByFingerprint.putIfAbsent(fingerprint, readerFor(olderSchema, "schema"));
        } catch (DecodeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
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
        byte[] header = subject == null ? singleObjectHeader : confluentHeader();
        Output out = OUTPUT.get();
        try {
            if (fastWriter != null) {
                try {
                    return out.encode(header, fastWriter, record);
                } catch (RuntimeException e) {
                    // an invalid record (say a null required field) or one of an unexpected class: SpecificDatumWriter
                    // writes it if it can, or throws its usual exception (naming the field)
                }
            }
            return out.encode(header, writer, record);
        } catch (IOException e) {
            throw new AvroRuntimeException("cannot encode " + schema.getFullName(), e);
        } finally {
            out.trim();
        }
    }

    /** True when records are written by a hand-written writer (the schema is exactly the one it was written for). */
    boolean usesHandWrittenWriter() {
        return fastWriter != null;
    }

    /** Per thread: the buffered encoder and the growable byte buffer it writes to (unsynchronized, reused). */
    private static final ThreadLocal<Output> OUTPUT = ThreadLocal.withInitial(Output::new);

    private static final class Output extends ByteArrayOutputStream {
        private static final int KEEP = 64 * 1024;
        /** Writes to this stream; holds no bytes between records (dropped when a write fails part way). */
        private BinaryEncoder encoder;

        Output() {
            super(1024);
        }

        <T> byte[] encode(byte[] header, DatumWriter<T> writer, T record) throws IOException {
            reset();
            write(header, 0, header.length);
            BinaryEncoder enc = encoder == null ? EncoderFactory.get().binaryEncoder(this, null) : encoder;
            // not reused until this record is written: a failed write leaves bytes in the encoder's buffer, which
            // reconfiguring or writing the next record would flush into that record
            encoder = null;
            writer.write(record, enc);
            enc.flush();
            encoder = enc;
            return toByteArray();
        }

        @Override
        public void write(int b) {
            if (count == buf.length) {
                buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            }
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (count + len > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, count + len));
            }
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        @Override
        public byte[] toByteArray() {
            return java.util.Arrays.copyOf(buf, count);
        }

        @Override
        public void reset() {
            count = 0;
        }

        /** Gives back the memory of an unusually large record. */
        void trim() {
            if (buf.length > KEEP) {
                buf = new byte[1024];
            }
        }
    }

    /**
     * Reads one record in either framing, resolved to the current schema.
     *
     * @throws DecodeException with reason {@code empty} (null or no bytes), {@code truncated} (header or body cut
     *     short), {@code unknown_framing} (neither framing), {@code unknown_schema} (fingerprint or registry id not
     *     known), {@code incompatible_schema} (writer schema cannot be read as the current one), {@code no_registry},
     *     {@code registry_error} (registry unreachable, timed out or failing: may succeed later) or
     *     {@code malformed_avro} (the body is not a record of the writer schema)
     */
    public T decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new DecodeException("empty", "record has no bytes", null);
        }
        if (bytes[0] == (byte) 0xC3 && (bytes.length < 2 || bytes[1] == (byte) 0x01)) {
            if (bytes.length < SINGLE_OBJECT_HEADER) {
                throw new DecodeException("truncated", "single-object header needs " + SINGLE_OBJECT_HEADER + " bytes, got " + prefix(bytes), null);
            }
            long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            SpecificDatumReader<T> reader = readersByFingerprint.get(fingerprint);
            if (reader == null) {
                throw new DecodeException("unknown_schema", "no known " + schema.getName() + " schema has fingerprint "
                        + Long.toHexString(fingerprint) + " (known: " + readersByFingerprint.size() + ")", null);
            }
            return readBody(reader, bytes, SINGLE_OBJECT_HEADER);
        }
        if (bytes[0] == 0) {
            if (bytes.length < CONFLUENT_HEADER) {
                throw new DecodeException("truncated", "Confluent header needs " + CONFLUENT_HEADER + " bytes, got " + prefix(bytes), null);
            }
            if (registry == null) {
                throw new DecodeException("no_registry",
                        "record uses the Confluent wire format but no schema registry is configured", null);
            }
            int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
            return readBody(readerForId(id), bytes, CONFLUENT_HEADER);
        }
        throw new DecodeException("unknown_framing",
                "expected Avro single-object encoding (C3 01 ...) or the Confluent wire format (00 + schema id), got "
                        + prefix(bytes), null);
    }

    private T readBody(SpecificDatumReader<T> reader, byte[] bytes, int offset) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, null);
        T record;
        try {
            record = reader.read(null, decoder);
        } catch (EOFException e) {
            throw new DecodeException("truncated", (bytes.length - offset) + "-byte body ends before the " + schema.getName() + " record does", e);
        } catch (IOException | RuntimeException e) {
            throw new DecodeException("malformed_avro", "body does not decode as " + schema.getName() + ": " + e, e);
        }
        try {
            if (!decoder.isEnd()) {
                throw new DecodeException("malformed_avro", (bytes.length - offset) + "-byte body has trailing bytes after the record", null);
            }
        } catch (IOException e) {
            throw new DecodeException("malformed_avro", "body does not decode as " + schema.getName() + ": " + e, e);
        }
        return record;
    }

    private SpecificDatumReader<T> readerForId(int id) {
        SpecificDatumReader<T> reader = readersById.get(id);
        if (reader != null) {
            return reader;
        }
        Schema writerSchema;
        try {
            writerSchema = registry.schemaById(id);
        } catch (RegistryException e) {
            if (e.status() == 404) {
                throw new DecodeException("unknown_schema", "schema id " + id + " is not in the registry: " + e.getMessage(), e);
            }
            throw new DecodeException(DecodeException.REGISTRY_UNAVAILABLE, e.getMessage(), e);
        }
        reader = readerFor(writerSchema, "schema id " + id);
        SpecificDatumReader<T> previous = readersById.putIfAbsent(id, reader);
        return previous == null ? reader : previous;
    }

    private SpecificDatumReader<T> readerFor(Schema writerSchema, String what) {
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(schema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            StringBuilder why = new StringBuilder();
            for (SchemaCompatibility.Incompatibility i : compatibility.getResult().getIncompatibilities()) {
                why.append(why.length() == 0 ? "" : "; ").append(i.getType()).append(" at ").append(i.getLocation())
                        .append(": ").append(i.getMessage().replaceAll("\\s+", " "));
            }
            throw new DecodeException("incompatible_schema", "writer " + what + " (" + writerSchema.getFullName()
                    + ") cannot be read as the current " + schema.getFullName() + ": " + why, null);
        }
        return new SpecificDatumReader<>(writerSchema, schema, readData);
    }

    private byte[] confluentHeader() {
        byte[] header = confluentHeader;
        if (header == null) {
            int id = registry.register(subject, schema);
            header = ByteBuffer.allocate(CONFLUENT_HEADER).put((byte) 0).putInt(id).array();
            confluentHeader = header;
        }
        return header;
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

    /**
     * The model decoded records are built with: the generated classes' model (same conversions), but reading Avro
     * arrays as {@link java.util.ArrayList}s rather than {@code GenericData.Array}s, whose equals() ignores logical-type
     * conversions (decoded batches whose points set start_time could not even be compared).
     */
    private static final class ListData extends SpecificData {
        ListData(SpecificData model) {
            super(model.getClassLoader());
            model.getConversions().forEach(this::addLogicalTypeConversion);
        }

        @Override
        public Object newArray(Object old, int size, Schema schema) {
            if (old instanceof java.util.List<?> list) {
                list.clear();
                return list;
            }
            return new java.util.ArrayList<>(Math.min(size, 64)); // the declared size is the writer's word: grow as items are read
        }
    }
}
