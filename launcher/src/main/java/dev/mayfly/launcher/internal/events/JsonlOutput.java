package dev.mayfly.launcher.internal.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.codec.DecodeException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * One JSON object a line per record; the shape is documented field by field in docs/data-teams.md and is stable
 * (fields are only ever added). {@code batch} mirrors the Avro schema field for field (snake_case names, enums as
 * their symbols, timestamps as ISO-8601 strings, non-finite doubles as {@code "NaN"}, {@code "+Inf"}, {@code "-Inf"}).
 */
public final class JsonlOutput implements BatchOutput {
    private final JsonGenerator json;
    private final OutputStream out;
    private final boolean deadLetter;

    public JsonlOutput(OutputStream out, boolean deadLetter) throws IOException {
        this.out = out;
        this.json = new JsonFactory().setRootValueSeparator(null).createGenerator(out)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        this.deadLetter = deadLetter;
    }

    @Override
    public boolean write(ConsumerRecord<byte[], byte[]> record, MetricEventBatch batch, DecodeException error) throws IOException {
        json.writeStartObject();
        json.writeStringField("topic", record.topic());
        json.writeNumberField("partition", record.partition());
        json.writeNumberField("offset", record.offset());
        json.writeStringField("timestamp", Instant.ofEpochMilli(record.timestamp()).toString());
        json.writeStringField("key", record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
        if (deadLetter) {
            json.writeObjectFieldStart("dead_letter");
            header(record, "reason", Topics.HEADER_REASON);
            header(record, "detail", Topics.HEADER_DETAIL);
            header(record, "source_topic", Topics.HEADER_SOURCE_TOPIC);
            header(record, "source_partition", Topics.HEADER_SOURCE_PARTITION);
            header(record, "source_offset", Topics.HEADER_SOURCE_OFFSET);
            json.writeEndObject();
        }
        if (batch == null) {
            json.writeNullField("batch");
            json.writeObjectFieldStart("undecodable");
            json.writeStringField("reason", error.reason());
            json.writeStringField("detail", error.getMessage());
            json.writeStringField("value_base64", record.value() == null ? null : Base64.getEncoder().encodeToString(record.value()));
            json.writeEndObject();
        } else {
            json.writeFieldName("batch");
            batch(batch);
        }
        json.writeEndObject();
        json.writeRaw('\n');
        return true;
    }

    private void header(ConsumerRecord<byte[], byte[]> record, String field, String header) throws IOException {
        Header h = record.headers().lastHeader(header);
        json.writeStringField(field, h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
    }

    private void batch(MetricEventBatch b) throws IOException {
        json.writeStartObject();
        json.writeStringField("event_id", b.getEventId());
        json.writeObjectFieldStart("source");
        json.writeStringField("job", b.getSource().getJob());
        json.writeStringField("function", b.getSource().getFunction());
        json.writeStringField("region", b.getSource().getRegion());
        json.writeStringField("instance", b.getSource().getInstance());
        json.writeEndObject();
        json.writeStringField("emit_time", b.getEmitTime().toString());
        json.writeStringField("operation", b.getOperation().name());
        labels("grouping_labels", b.getGroupingLabels());
        json.writeArrayFieldStart("points");
        for (MetricPoint p : b.getPoints()) {
            point(p);
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private void point(MetricPoint p) throws IOException {
        json.writeStartObject();
        json.writeStringField("name", p.getName());
        json.writeStringField("help", p.getHelp());
        json.writeStringField("unit", p.getUnit());
        json.writeStringField("type", p.getType().name());
        labels("labels", p.getLabels());
        json.writeFieldName("value");
        number(p.getValue());
        json.writeStringField("temporality", p.getTemporality().name());
        json.writeStringField("stream_id", p.getStreamId());
        json.writeStringField("start_time", p.getStartTime() == null ? null : p.getStartTime().toString());
        HistogramValue h = p.getHistogram();
        if (h == null) {
            json.writeNullField("histogram");
        } else {
            json.writeObjectFieldStart("histogram");
            json.writeArrayFieldStart("bounds");
            for (double bound : h.getBounds()) {
                number(bound);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("bucket_counts");
            for (long c : h.getBucketCounts()) {
                json.writeNumber(c);
            }
            json.writeEndArray();
            json.writeFieldName("sum");
            number(h.getSum());
            json.writeNumberField("count", h.getCount());
            json.writeEndObject();
        }
        json.writeStringField("aggregation", p.getAggregation() == null ? null : p.getAggregation().name());
        NativeHistogramValue n = p.getNativeHistogram();
        if (n == null) {
            json.writeNullField("native_histogram");
        } else {
            json.writeObjectFieldStart("native_histogram");
            json.writeNumberField("scale", n.getScale());
            json.writeFieldName("zero_threshold");
            number(n.getZeroThreshold());
            json.writeNumberField("zero_count", n.getZeroCount());
            json.writeNumberField("positive_offset", n.getPositiveOffset());
            counts("positive_counts", n.getPositiveCounts());
            json.writeNumberField("negative_offset", n.getNegativeOffset());
            counts("negative_counts", n.getNegativeCounts());
            json.writeFieldName("sum");
            number(n.getSum());
            json.writeNumberField("count", n.getCount());
            json.writeEndObject();
        }
        json.writeEndObject();
    }

    private void counts(String field, java.util.List<Long> counts) throws IOException {
        json.writeArrayFieldStart(field);
        for (long c : counts) {
            json.writeNumber(c);
        }
        json.writeEndArray();
    }

    /** Labels sorted by name, so equal batches give equal lines. */
    private void labels(String field, Map<String, String> labels) throws IOException {
        json.writeObjectFieldStart(field);
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            json.writeStringField(e.getKey(), e.getValue());
        }
        json.writeEndObject();
    }

    private void number(double v) throws IOException {
        if (Double.isNaN(v)) {
            json.writeString("NaN");
        } else if (Double.isInfinite(v)) {
            json.writeString(v > 0 ? "+Inf" : "-Inf");
        } else {
            json.writeNumber(v);
        }
    }

    @Override
    public void close() throws IOException {
        json.close();
        out.flush();
    }
}
