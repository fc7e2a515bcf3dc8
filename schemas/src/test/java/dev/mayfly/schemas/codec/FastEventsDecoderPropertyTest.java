package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The fast path decodes exactly what the codec decodes, and declines (null) whenever it is not sure. */
class FastEventsDecoderPropertyTest {
    private static final AvroCodec<MetricEventBatch> CODEC = MayflyCodecs.events(null, Topics.EVENTS);

    @Test
    void theFastPathIsAvailableForTheCurrentSchema() {
        assertThat(FastEventsDecoder.available()).as("the MetricEventBatch schema changed: update FastEventsDecoder").isTrue();
    }

    @Provide
    Arbitrary<MetricEventBatch> batches() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(12);
        Arbitrary<String> optional = text.injectNull(0.3);
        Arbitrary<Map<String, String>> labels = Arbitraries.maps(text, text).ofMaxSize(4);
        Arbitrary<HistogramValue> histogram = Combinators.combine(
                Arbitraries.doubles().list().ofMaxSize(4), Arbitraries.longs().list().ofMaxSize(5),
                Arbitraries.doubles(), Arbitraries.longs()).as(HistogramValue::new);
        Arbitrary<MetricPoint> point = Combinators.combine(
                text, optional, optional, Arbitraries.of(MetricType.class), labels, Arbitraries.doubles(),
                Arbitraries.of(Temporality.class), optional).as((name, help, unit, type, l, value, temporality, streamId) ->
                new MetricPoint(name, help, unit, type, l, value, temporality, streamId, null, null, null, null));
        Arbitrary<MetricPoint> fullPoint = Combinators.combine(point,
                Arbitraries.longs().between(0, 4_000_000_000_000L).injectNull(0.5),
                histogram.injectNull(0.5), Arbitraries.of(Aggregation.class).injectNull(0.5), nativeHistograms().injectNull(0.5))
                .as((p, start, h, a, n) -> MetricPoint.newBuilder(p).setStartTime(start == null ? null : Instant.ofEpochMilli(start))
                        .setHistogram(h).setAggregation(a).setNativeHistogram(n).build());
        Arbitrary<Source> source = Combinators.combine(text, optional, optional, optional).as(Source::new);
        return Combinators.combine(text, source, Arbitraries.longs().between(0, 4_000_000_000_000L),
                Arbitraries.of(Operation.class), labels, fullPoint.list().ofMaxSize(6))
                .as((id, s, emit, op, grouping, points) -> new MetricEventBatch(id, s, Instant.ofEpochMilli(emit), op, grouping, points));
    }

    /** Any field values (the codec does not validate): negative offsets, empty and long runs, extreme numbers. */
    static Arbitrary<NativeHistogramValue> nativeHistograms() {
        Arbitrary<List<Long>> counts = Arbitraries.longs().list().ofMaxSize(5);
        return Combinators.combine(Arbitraries.integers(), Arbitraries.doubles(), Arbitraries.longs(), Arbitraries.integers(),
                counts, Arbitraries.integers(), counts, Arbitraries.doubles())
                .as((scale, zt, zc, po, pc, no, nc, sum) -> new NativeHistogramValue(scale, zt, zc, po, pc, no, nc, sum, zc ^ po));
    }

    @Property(tries = 300)
    void decodesExactlyWhatTheCodecDecodes(@ForAll("batches") MetricEventBatch batch) {
        byte[] bytes = CODEC.encode(batch);
        MetricEventBatch fast = new FastEventsDecoder().tryDecode(bytes);
        assertThat(fast).isNotNull();
        assertThat(fast).isEqualTo(CODEC.decode(bytes));
        assertThat(fast.toString()).isEqualTo(CODEC.decode(bytes).toString());
    }

    @Property(tries = 300)
    void neverAcceptsWhatTheCodecWouldNotDecodeTheSame(@ForAll("batches") MetricEventBatch batch, @ForAll long seed) {
        Random random = new Random(seed);
        byte[] bytes = CODEC.encode(batch);
        byte[] mutated = bytes.clone();
        int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips; i++) {
            mutated[10 + random.nextInt(mutated.length - 10)] = (byte) random.nextInt(256);
        }
        if (random.nextInt(4) == 0) {
            mutated = java.util.Arrays.copyOf(mutated, 10 + random.nextInt(mutated.length - 9));
        }
        MetricEventBatch fast = new FastEventsDecoder().tryDecode(mutated);
        if (fast != null) {
            assertThat(fast).isEqualTo(CODEC.decode(mutated));
        }
    }

    /** One decoder for many records, as the ingest step keeps it: recurring short texts are shared, long ones never kept. */
    @Test
    void sharesRecurringTextAcrossRecordsAndDecodesLongTextEachTime() {
        FastEventsDecoder decoder = new FastEventsDecoder();
        String longHelp = "h".repeat(300);
        MetricEventBatch previous = null;
        for (int i = 0; i < 4; i++) {
            MetricPoint p = new MetricPoint("requests", i >= 2 ? longHelp : "Requests handled.", "seconds", MetricType.COUNTER,
                    Map.of("path", "/a", "long", "v".repeat(257 + i)), (double) i, Temporality.DELTA, null, null, null, null, null);
            MetricEventBatch batch = new MetricEventBatch("e" + i, new Source("j", null, null, null), Instant.EPOCH,
                    Operation.RECORD, Map.of(), List.of(p));
            byte[] bytes = CODEC.encode(batch);
            MetricEventBatch fast = decoder.tryDecode(bytes);
            assertThat(fast).isEqualTo(CODEC.decode(bytes)).isEqualTo(batch);
            if (previous != null) {
                MetricPoint now = fast.getPoints().get(0);
                MetricPoint before = previous.getPoints().get(0);
                assertThat(now.getName()).isSameAs(before.getName());
                assertThat(now.getUnit()).isSameAs(before.getUnit());
                assertThat(now.getLabels().get("path")).isSameAs(before.getLabels().get("path"));
                if (i == 1) {
                    assertThat(now.getHelp()).isSameAs(before.getHelp());
                }
                if (i == 3) {
                    assertThat(now.getHelp()).isEqualTo(before.getHelp()).isNotSameAs(before.getHelp());
                }
            }
            previous = fast;
        }
        assertThat(previous.getPoints().get(0).getHelp()).isEqualTo(longHelp);
    }

    @Test
    void declinesOtherFramingsAndFingerprints() {
        MetricEventBatch batch = new MetricEventBatch("e", new Source("j", null, null, null), Instant.EPOCH, Operation.RECORD,
                Map.of(), List.of());
        byte[] bytes = CODEC.encode(batch);
        FastEventsDecoder decoder = new FastEventsDecoder();
        assertThat(decoder.tryDecode(bytes)).isEqualTo(batch);
        byte[] otherFingerprint = bytes.clone();
        otherFingerprint[5] ^= 1;
        assertThat(decoder.tryDecode(otherFingerprint)).isNull();
        byte[] confluent = bytes.clone();
        confluent[0] = 0;
        assertThat(decoder.tryDecode(confluent)).isNull();
        assertThat(decoder.tryDecode(java.util.Arrays.copyOf(bytes, bytes.length + 1))).isNull();
        assertThat(decoder.tryDecode(null)).isNull();
    }
}
