package dev.mayfly.schemas.codec;

import dev.mayfly.schemas.avro.Aggregate;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.HistogramValue;
import dev.mayfly.schemas.avro.Label;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.NativeHistogramValue;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.avro.specific.SpecificDatumWriter;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static dev.mayfly.schemas.codec.HandWrittenWritersTest.specific;
import static dev.mayfly.schemas.codec.HandWrittenWritersTest.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written writers write exactly SpecificDatumWriter's bytes, and what they write reads back equal, for
 * random records: null and non-null in every union, empty and non-empty maps and arrays, ASCII, control, 2-, 3- and
 * 4-byte UTF-8 and (bytes only) unpaired surrogates, strings longer than the encoder's buffer, every enum symbol,
 * extreme longs and doubles (NaN, infinities, -0.0).
 */
class HandWrittenWritersPropertyTest {
    private final AvroCodec<MetricEventBatch> events = MayflyCodecs.events(null, "events");
    private final AvroCodec<Aggregate> aggregates = MayflyCodecs.aggregates(null, "aggregates");
    private final SpecificDatumWriter<MetricEventBatch> specificBatchWriter = specific(MetricEventBatch.getClassSchema());
    private final SpecificDatumWriter<Aggregate> specificAggregateWriter = specific(Aggregate.getClassSchema());

    @Property(tries = 400)
    void batchBytesAreSpecificDatumWriters(@ForAll("batchesWithAnyChars") MetricEventBatch batch) throws IOException {
        byte[] expected = write(specificBatchWriter, batch);

        assertThat(write(new MetricEventBatchWriter(), batch)).isEqualTo(expected);
        assertThat(body(events.encode(batch))).isEqualTo(expected);
    }

    @Property(tries = 200)
    void batchesRoundTrip(@ForAll("batches") MetricEventBatch batch) {
        byte[] bytes = events.encode(batch);
        MetricEventBatch decoded = events.decode(bytes);

        // the records' equals() says NaN != NaN: compare field by field, doubles by their bits
        assertThat(decoded).usingRecursiveComparison().withEqualsForType(HandWrittenWritersPropertyTest::sameBits, Double.class).isEqualTo(batch);
    }

    @Property(tries = 300)
    void aggregateBytesAreSpecificDatumWriters(@ForAll("aggregatesWithAnyChars") Aggregate aggregate) throws IOException {
        byte[] expected = write(specificAggregateWriter, aggregate);

        assertThat(write(new AggregateWriter(), aggregate)).isEqualTo(expected);
        assertThat(body(aggregates.encode(aggregate))).isEqualTo(expected);
    }

    @Property(tries = 200)
    void aggregatesRoundTrip(@ForAll("aggregates") Aggregate aggregate) {
        byte[] bytes = aggregates.encode(aggregate);
        Aggregate decoded = aggregates.decode(bytes);

        assertThat(decoded).usingRecursiveComparison().withEqualsForType(HandWrittenWritersPropertyTest::sameBits, Double.class).isEqualTo(aggregate);
    }

    private static boolean sameBits(Double a, Double b) {
        return Double.doubleToRawLongBits(a) == Double.doubleToRawLongBits(b);
    }

    /** The body of a single-object record (after C3 01 and the 8-byte fingerprint). */
    private static byte[] body(byte[] record) {
        assertThat(record[0]).isEqualTo((byte) 0xC3);
        return Arrays.copyOfRange(record, 10, record.length);
    }

    @Provide
    Arbitrary<MetricEventBatch> batches() {
        return batches(validStrings());
    }

    @Provide
    Arbitrary<MetricEventBatch> batchesWithAnyChars() {
        return batches(Arbitraries.oneOf(validStrings(), Arbitraries.strings().all().ofMaxLength(20)));
    }

    @Provide
    Arbitrary<Aggregate> aggregates() {
        return aggregates(validStrings());
    }

    @Provide
    Arbitrary<Aggregate> aggregatesWithAnyChars() {
        return aggregates(Arbitraries.oneOf(validStrings(), Arbitraries.strings().all().ofMaxLength(20)));
    }

    /** Strings of valid code points: mostly short (often empty), sometimes longer than the encoder's 2 KB buffer. */
    private static Arbitrary<String> validStrings() {
        Arbitrary<Integer> codePoints = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.integers().between(0x20, 0x7e)),
                Tuple.of(1, Arbitraries.integers().between(0, 0x1f)),
                Tuple.of(2, Arbitraries.integers().between(0x80, 0x7ff)),        // 2 bytes in UTF-8: é, ß, Я
                Tuple.of(2, Arbitraries.integers().between(0x800, 0xd7ff)),      // 3 bytes: 漢
                Tuple.of(1, Arbitraries.integers().between(0xe000, 0xfffd)),
                Tuple.of(2, Arbitraries.integers().between(0x10000, 0x10ffff))); // 4 bytes, a surrogate pair: emoji
        return Arbitraries.frequencyOf(
                Tuple.of(30, codePoints.list().ofMaxSize(12)),
                Tuple.of(1, codePoints.list().ofMinSize(200).ofMaxSize(1500)))
                .map(list -> new String(list.stream().mapToInt(Integer::intValue).toArray(), 0, list.size()));
    }

    private static Arbitrary<Double> doubles() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.doubles()),
                Tuple.of(1, Arbitraries.of(Double.NaN, Double.longBitsToDouble(0x7ff8_0000_0000_0001L), Double.POSITIVE_INFINITY,
                        Double.NEGATIVE_INFINITY, -0.0, 0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE)));
    }

    private static Arbitrary<Instant> instants() {
        return Arbitraries.longs().map(Instant::ofEpochMilli); // every long: timestamp-millis is a plain long
    }

    private static Arbitrary<HistogramValue> histograms() {
        return Combinators.combine(doubles().list().ofMaxSize(6), Arbitraries.longs().list().ofMaxSize(7), doubles(), Arbitraries.longs())
                .as(HistogramValue::new);
    }

    private static Arbitrary<NativeHistogramValue> nativeHistograms() {
        Arbitrary<List<Long>> counts = Arbitraries.longs().list().ofMaxSize(7);
        return Combinators.combine(Arbitraries.integers(), doubles(), Arbitraries.longs(), Arbitraries.integers(), counts,
                Arbitraries.integers(), counts, doubles())
                .as((scale, zt, zc, po, pc, no, nc, sum) -> new NativeHistogramValue(scale, zt, zc, po, pc, no, nc, sum, zc - po));
    }

    private static Arbitrary<MetricEventBatch> batches(Arbitrary<String> strings) {
        Arbitrary<MetricPoint> points = Builders.withBuilder(MetricPoint::newBuilder)
                .use(strings).in(MetricPoint.Builder::setName)
                .use(strings.injectNull(0.4)).in(MetricPoint.Builder::setHelp)
                .use(strings.injectNull(0.4)).in(MetricPoint.Builder::setUnit)
                .use(Arbitraries.of(MetricType.class)).in(MetricPoint.Builder::setType)
                .use(Arbitraries.maps(strings, strings).ofMaxSize(4)).in(MetricPoint.Builder::setLabels)
                .use(doubles()).in(MetricPoint.Builder::setValue)
                .use(Arbitraries.of(Temporality.class)).in(MetricPoint.Builder::setTemporality)
                .use(strings.injectNull(0.4)).in(MetricPoint.Builder::setStreamId)
                .use(instants().injectNull(0.4)).in(MetricPoint.Builder::setStartTime)
                .use(histograms().injectNull(0.5)).in(MetricPoint.Builder::setHistogram)
                .use(Arbitraries.of(Aggregation.class).injectNull(0.4)).in(MetricPoint.Builder::setAggregation)
                .use(nativeHistograms().injectNull(0.5)).in(MetricPoint.Builder::setNativeHistogram)
                .build(MetricPoint.Builder::build);
        Arbitrary<Source> sources = Combinators.combine(strings, strings.injectNull(0.4), strings.injectNull(0.4), strings.injectNull(0.4))
                .as(Source::new);
        return Builders.withBuilder(MetricEventBatch::newBuilder)
                .use(strings).in(MetricEventBatch.Builder::setEventId)
                .use(sources).in(MetricEventBatch.Builder::setSource)
                .use(instants()).in(MetricEventBatch.Builder::setEmitTime)
                .use(Arbitraries.of(Operation.class)).in(MetricEventBatch.Builder::setOperation)
                .use(Arbitraries.maps(strings, strings).ofMaxSize(4)).in(MetricEventBatch.Builder::setGroupingLabels)
                .use(points.list().ofMaxSize(5)).in(MetricEventBatch.Builder::setPoints)
                .build(MetricEventBatch.Builder::build);
    }

    private static Arbitrary<Aggregate> aggregates(Arbitrary<String> strings) {
        Arbitrary<List<Label>> labels = Combinators.combine(strings, strings).as(Label::new).list().ofMaxSize(4);
        return Builders.withBuilder(Aggregate::newBuilder)
                .use(strings).in(Aggregate.Builder::setName)
                .use(labels).in(Aggregate.Builder::setLabels)
                .use(Arbitraries.of(MetricType.class)).in(Aggregate.Builder::setType)
                .use(strings.injectNull(0.4)).in(Aggregate.Builder::setHelp)
                .use(strings.injectNull(0.4)).in(Aggregate.Builder::setUnit)
                .use(Arbitraries.of(Aggregation.class)).in(Aggregate.Builder::setAggregation)
                .use(doubles()).in(Aggregate.Builder::setValue)
                .use(histograms().injectNull(0.5)).in(Aggregate.Builder::setHistogram)
                .use(instants()).in(Aggregate.Builder::setCreatedTime)
                .use(instants()).in(Aggregate.Builder::setUpdatedTime)
                .use(instants().injectNull(0.4)).in(Aggregate.Builder::setWindowStart)
                .use(instants().injectNull(0.4)).in(Aggregate.Builder::setWindowEnd)
                .use(nativeHistograms().injectNull(0.5)).in(Aggregate.Builder::setNativeHistogram)
                .build(Aggregate.Builder::build);
    }
}
