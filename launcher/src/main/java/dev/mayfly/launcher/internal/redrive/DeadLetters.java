package dev.mayfly.launcher.internal.redrive;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;

/** Reading the headers the streams app puts on dead letters. */
final class DeadLetters {
    private DeadLetters() {
    }

    /** The last value of header {@code name}, or null. */
    static byte[] header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : h.value();
    }

    /** The last value of header {@code name} as text, or null. */
    static String text(ConsumerRecord<?, ?> record, String name) {
        byte[] value = header(record, name);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }
}
