package dev.mayfly.schemas.codec;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumWriter;

import java.util.HashSet;
import java.util.Set;

/**
 * Hand-written {@link DatumWriter}s for Mayfly's records, and the guard that keeps them from writing a schema they
 * were not written for.
 *
 * <p>Avro's {@code SpecificDatumWriter} walks the schema for every record (field lookups by position, union resolution
 * by name, boxing, interface calls); the generated classes have no custom coders because their fields use logical
 * types. The writers here write the same bytes straight from the generated classes' getters. Each states the schema it
 * was written for as two constants: its parsing fingerprint (field names, order and types, union branch order, enum
 * symbols, everything that decides the binary encoding) and its logical types (which the parsing canonical form leaves
 * out but which decide how a value is turned into its underlying type). A codec uses a hand-written writer only when
 * its schema matches both; otherwise it uses SpecificDatumWriter. {@code HandWrittenWritersTest} fails when a schema
 * changes without its writer being updated.
 */
final class HandWrittenWriters {
    private HandWrittenWriters() {
    }

    /** The hand-written writer for records of {@code schema}, or null when there is none for exactly this schema. */
    static DatumWriter<?> forSchema(Schema schema) {
        if (MetricEventBatchWriter.writes(schema)) {
            return new MetricEventBatchWriter();
        }
        if (AggregateWriter.writes(schema)) {
            return new AggregateWriter();
        }
        return null;
    }

    /** True when {@code schema} has the given parsing fingerprint and logical types (see {@link #logicalTypes}). */
    static boolean matches(Schema schema, long parsingFingerprint, String logicalTypes) {
        return schema.getType() == Schema.Type.RECORD
                && SchemaNormalization.parsingFingerprint64(schema) == parsingFingerprint
                && logicalTypes(schema).equals(logicalTypes);
    }

    /** For {@code DatumWriter.setSchema}: refuses a schema the writer was not written for. */
    static void require(Class<?> writer, boolean writes, Schema schema) {
        if (!writes) {
            throw new IllegalArgumentException(writer.getSimpleName() + " does not write schema " + schema.getFullName()
                    + " with fingerprint " + Long.toHexString(SchemaNormalization.parsingFingerprint64(schema)));
        }
    }

    /**
     * Every logical type in {@code schema} with where it is, in schema order, e.g.
     * {@code /emit_time=timestamp-millis,/points[]/start_time|1=timestamp-millis} ({@code []} an array's items,
     * {@code {}} a map's values, {@code |i} union branch i; a named type is followed where it is first defined).
     */
    static String logicalTypes(Schema schema) {
        StringBuilder out = new StringBuilder();
        collect(schema, "", out, new HashSet<>());
        return out.toString();
    }

    private static void collect(Schema schema, String path, StringBuilder out, Set<String> seenNamed) {
        if (schema.getLogicalType() != null) {
            out.append(out.length() == 0 ? "" : ",").append(path.isEmpty() ? "/" : path).append('=').append(schema.getLogicalType().getName());
        }
        switch (schema.getType()) {
            case RECORD -> {
                if (seenNamed.add(schema.getFullName())) {
                    for (Schema.Field field : schema.getFields()) {
                        collect(field.schema(), path + "/" + field.name(), out, seenNamed);
                    }
                }
            }
            case ARRAY -> collect(schema.getElementType(), path + "[]", out, seenNamed);
            case MAP -> collect(schema.getValueType(), path + "{}", out, seenNamed);
            case UNION -> {
                for (int i = 0; i < schema.getTypes().size(); i++) {
                    collect(schema.getTypes().get(i), path + "|" + i, out, seenNamed);
                }
            }
            default -> {
            }
        }
    }
}
