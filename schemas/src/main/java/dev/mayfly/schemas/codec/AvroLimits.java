package dev.mayfly.schemas.codec;

import org.apache.avro.SystemLimitException;

import java.lang.reflect.Method;

/**
 * Bounds on what an Avro body may declare before it is read: a string or bytes of at most {@link #MAX_BYTES} and at
 * most {@link #MAX_ITEMS} items in one array or map. Avro allocates a string's declared length before reading it
 * (and by default allows 2 GB), so a 90-byte record declaring a 1 GB event id would exhaust the heap of whoever
 * decodes it, the gateway or the engine; with these bounds it is malformed (a {@link SystemLimitException}, which
 * the decoders report as {@code malformed_avro}). Avro reads them from system properties once; a property already set
 * (by the user) wins. Applied by every Mayfly decoder before it reads anything.
 */
final class AvroLimits {
    /** Far above any record Kafka accepts by default (1 MB) or the gateway takes (its body limit). */
    static final int MAX_BYTES = 16 * 1024 * 1024;
    static final int MAX_ITEMS = 1_000_000;

    static {
        set(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_BYTES);
        set(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_BYTES);
        set(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, MAX_ITEMS);
        try {
            // Avro read the properties when it first loaded the class; have it read them again
            Method reset = SystemLimitException.class.getDeclaredMethod("resetLimits");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot apply Avro's decoding limits", e);
        }
    }

    private AvroLimits() {
    }

    /** Makes sure the limits apply (loading this class applies them). */
    static void apply() {
    }

    private static void set(String property, int limit) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, String.valueOf(limit));
        }
    }
}
