package dev.mayfly.streams.internal;

import dev.mayfly.schemas.Topics;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/** Builds the headers of dead-letter records. */
final class Headers {
    private Headers() {
    }

    static RecordHeaders deadLetter(Rejection r, String topic, int partition, long offset) {
        RecordHeaders h = new RecordHeaders();
        h.add(Topics.HEADER_REASON, utf8(r.reason()));
        h.add(Topics.HEADER_DETAIL, utf8(r.detail()));
        h.add(Topics.HEADER_SOURCE_TOPIC, utf8(topic));
        h.add(Topics.HEADER_SOURCE_PARTITION, utf8(String.valueOf(partition)));
        h.add(Topics.HEADER_SOURCE_OFFSET, utf8(String.valueOf(offset)));
        return h;
    }

    private static byte[] utf8(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }
}
