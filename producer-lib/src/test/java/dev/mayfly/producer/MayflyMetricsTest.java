package dev.mayfly.producer;

import dev.mayfly.producer.internal.ProducerSettings;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.codec.Framing;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.registry.SchemaRegistryClient;
import dev.mayfly.schemas.testing.FakeRegistry;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MayflyMetricsTest {
    private final List<MockProducer<byte[], byte[]>> producers = new ArrayList<>();
    private boolean autoComplete = true;

    private MayflyMetrics metrics(Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(Map.of("job", "checkout", "function", "pay", "region", "eu-west-1", "flush.timeout", "300ms"));
        config.putAll(extra);
        return new MayflyMetrics(ProducerSettings.parse(config), () -> {
            MockProducer<byte[], byte[]> p = new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
            producers.add(p);
            return p;
        });
    }

    private MayflyMetrics metrics() {
        return metrics(Map.of());
    }

    private List<ProducerRecord<byte[], byte[]>> sent() {
        List<ProducerRecord<byte[], byte[]>> all = new ArrayList<>();
        producers.forEach(p -> all.addAll(p.history()));
        return all;
    }

    private MetricEventBatch batch(int index) {
        return MayflyCodecs.events(null, "mayfly-events").decode(sent().get(index).value());
    }

    @Test
    void oneFlushSendsOneBatchWithTheSourceAndItsEventIdAsKey() throws FlushException {
        MayflyMetrics metrics = metrics();
        Counter requests = metrics.counter("requests_total").help("Requests.").labelNames("route").register();
        Gauge depth = metrics.gauge("queue_depth").register();
        requests.labelValues("/a").inc();
        requests.labelValues("/b").inc(2);
        depth.set(4);

        metrics.flush();

        assertThat(sent()).hasSize(1);
        ProducerRecord<byte[], byte[]> record = sent().get(0);
        MetricEventBatch batch = batch(0);
        assertThat(record.topic()).isEqualTo("mayfly-events");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(batch.getEventId());
        assertThat(Framing.detect(record.value())).isEqualTo(Framing.SINGLE_OBJECT);
        assertThat(batch.getSource().getJob()).isEqualTo("checkout");
        assertThat(batch.getSource().getFunction()).isEqualTo("pay");
        assertThat(batch.getSource().getRegion()).isEqualTo("eu-west-1");
        assertThat(batch.getSource().getInstance()).isEqualTo(MayflyMetrics.INSTANCE);
        assertThat(batch.getOperation()).isEqualTo(Operation.RECORD);
        assertThat(batch.getGroupingLabels()).isEmpty();
        assertThat(batch.getPoints()).hasSize(3);
        MetricPoint a = point(batch, "requests_total", Map.of("route", "/a"));
        assertThat(a.getType()).isEqualTo(MetricType.COUNTER);
        assertThat(a.getTemporality()).isEqualTo(Temporality.DELTA);
        assertThat(a.getHelp()).isEqualTo("Requests.");
        assertThat(a.getValue()).isEqualTo(1.0);
        assertThat(point(batch, "requests_total", Map.of("route", "/b")).getValue()).isEqualTo(2.0);
        assertThat(point(batch, "queue_depth", Map.of()).getValue()).isEqualTo(4.0);
    }

    @Test
    void countersReportDeltasAndANewSeriesReportsZeroOnce() throws FlushException {
        MayflyMetrics metrics = metrics();
        Counter counter = metrics.counter("jobs_total").labelNames("kind").register();
        Counter plain = metrics.counter("runs_total").register();
        counter.labelValues("x").inc(3);
        counter.labelValues("never");
        metrics.flush();
        counter.labelValues("x").inc(2);
        metrics.flush();
        metrics.flush();

        assertThat(sent()).as("the third flush had nothing to report").hasSize(2);
        assertThat(point(batch(0), "jobs_total", Map.of("kind", "x")).getValue()).isEqualTo(3.0);
        assertThat(point(batch(0), "jobs_total", Map.of("kind", "never")).getValue()).isZero();
        assertThat(point(batch(0), "runs_total", Map.of()).getValue()).as("unlabelled counter exists from the start").isZero();
        assertThat(batch(1).getPoints()).hasSize(1);
        assertThat(point(batch(1), "jobs_total", Map.of("kind", "x")).getValue()).isEqualTo(2.0);
        assertThat(batch(1).getEventId()).isNotEqualTo(batch(0).getEventId());
        plain.inc();
    }

    @Test
    void gaugesReportTheirLastValueWhenChanged() throws FlushException {
        MayflyMetrics metrics = metrics();
        Gauge gauge = metrics.gauge("temperature").labelNames("room").register();
        gauge.labelValues("a").set(5);
        gauge.labelValues("a").set(7);
        metrics.flush();
        metrics.flush();
        gauge.labelValues("a").inc();
        gauge.labelValues("a").dec(0.5);
        metrics.flush();

        assertThat(sent()).hasSize(2);
        MetricPoint first = point(batch(0), "temperature", Map.of("room", "a"));
        assertThat(first.getType()).isEqualTo(MetricType.GAUGE);
        assertThat(first.getValue()).isEqualTo(7.0);
        assertThat(point(batch(1), "temperature", Map.of("room", "a")).getValue()).isEqualTo(7.5);
    }

    @Test
    void histogramsReportPerBucketCountsSumAndCountSinceTheLastFlush() throws FlushException {
        MayflyMetrics metrics = metrics();
        Histogram histogram = metrics.histogram("duration_seconds").classicUpperBounds(0.1, 1, Double.POSITIVE_INFINITY).register();
        for (double v : new double[]{0.05, 0.1, 0.5, 2, Double.NaN}) {
            histogram.observe(v);
        }
        metrics.flush();
        histogram.observe(0.7);
        metrics.flush();

        MetricPoint first = point(batch(0), "duration_seconds", Map.of());
        assertThat(first.getType()).isEqualTo(MetricType.HISTOGRAM);
        assertThat(first.getTemporality()).isEqualTo(Temporality.DELTA);
        assertThat(first.getHistogram().getBounds()).containsExactly(0.1, 1.0);
        assertThat(first.getHistogram().getBucketCounts()).as("(-inf,0.1], (0.1,1], (1,+inf)").containsExactly(2L, 1L, 1L);
        assertThat(first.getHistogram().getCount()).isEqualTo(4);
        assertThat(first.getHistogram().getSum()).isCloseTo(2.65, within(1e-9));
        MetricPoint second = point(batch(1), "duration_seconds", Map.of());
        assertThat(second.getHistogram().getBucketCounts()).containsExactly(0L, 1L, 0L);
        assertThat(second.getHistogram().getCount()).isEqualTo(1);
    }

    @Test
    void histogramsDefaultToThePrometheusClientBounds() throws FlushException {
        MayflyMetrics metrics = metrics();
        metrics.histogram("latency_seconds").register().observe(0.3);
        metrics.flush();

        assertThat(point(batch(0), "latency_seconds", Map.of()).getHistogram().getBounds())
                .containsExactly(.005, .01, .025, .05, .1, .25, .5, 1.0, 2.5, 5.0, 10.0);
    }

    @Test
    void aFlushWithNothingRecordedSendsNothing() throws FlushException {
        MayflyMetrics metrics = metrics();
        metrics.flush();

        assertThat(sent()).isEmpty();
        assertThat(metrics.sender().producersCreated()).as("no producer needed yet").isZero();
    }

    @Test
    void theProducerIsCreatedOnceAndReusedByEveryFlush() throws FlushException {
        MayflyMetrics metrics = metrics();
        Counter c = metrics.counter("calls_total").register();
        for (int i = 0; i < 3; i++) {
            c.inc();
            metrics.flush();
        }

        assertThat(metrics.sender().producersCreated()).isEqualTo(1);
        assertThat(sent()).hasSize(3);
    }

    @Test
    void aFailedBatchIsKeptAndResentWithTheSameEventIdBeforeTheNewOne() {
        MayflyMetrics metrics = metrics();
        Counter c = metrics.counter("calls_total").register();
        c.inc();
        metrics.counter("calls_total").register(); // registering again is harmless

        // first flush: the producer rejects the send at once
        try {
            metrics.flush();
        } catch (FlushException e) {
            throw new AssertionError(e);
        }
        String delivered = batch(0).getEventId();
        c.inc(5);
        producers.get(0).sendException = new NetworkException("broker gone");
        FlushException failure = org.junit.jupiter.api.Assertions.assertThrows(FlushException.class, metrics::flush);
        assertThat(failure.eventId()).isNotEqualTo(delivered);
        assertThat(failure.getMessage())
                .contains("event " + failure.eventId())
                .contains("broker gone")
                .contains("kept for the next flush [" + failure.eventId() + "]");
        assertThat(metrics.sender().pendingEventIds()).containsExactly(failure.eventId());

        producers.get(0).sendException = null;
        c.inc(1);
        try {
            metrics.flush();
        } catch (FlushException e) {
            throw new AssertionError(e);
        }

        List<ProducerRecord<byte[], byte[]>> sent = sent();
        assertThat(sent).hasSize(3);
        assertThat(batch(1).getEventId()).as("retry first, same id").isEqualTo(failure.eventId());
        assertThat(point(batch(1), "calls_total", Map.of()).getValue()).isEqualTo(5.0);
        assertThat(point(batch(2), "calls_total", Map.of()).getValue()).isEqualTo(1.0);
        assertThat(metrics.sender().pendingEventIds()).isEmpty();
    }

    @Test
    void aFlushThatIsNotAcknowledgedFailsWithinTheTimeout() {
        autoComplete = false;
        MayflyMetrics metrics = metrics();
        metrics.counter("calls_total").register().inc();
        long start = System.nanoTime();

        FlushException e = org.junit.jupiter.api.Assertions.assertThrows(FlushException.class, metrics::flush);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofMillis(2000));
        assertThat(e.getMessage()).startsWith("flush to topic mayfly-events failed within 300 ms: event " + e.eventId() + " not acknowledged")
                .contains("within the flush timeout");
    }

    @Test
    void aNonRetriableErrorReplacesTheProducer() throws Exception {
        autoComplete = false;
        MayflyMetrics metrics = metrics(Map.of("flush.timeout", "5s"));
        metrics.counter("calls_total").register().inc();
        Thread failer = new Thread(() -> {
            while (producers.isEmpty() || producers.get(0).history().isEmpty()) {
                Thread.onSpinWait();
            }
            producers.get(0).errorNext(new AuthorizationException("not allowed to write"));
        });
        failer.start();

        FlushException e = org.junit.jupiter.api.Assertions.assertThrows(FlushException.class, metrics::flush);
        failer.join();
        assertThat(e.getMessage()).contains("not allowed to write");
        assertThat(producers.get(0).closed()).isTrue();

        autoComplete = true;
        metrics.flush();
        assertThat(metrics.sender().producersCreated()).isEqualTo(2);
        assertThat(new String(producers.get(1).history().get(0).key(), StandardCharsets.UTF_8)).isEqualTo(e.eventId());
    }

    @Test
    void aSchemaRegistryUrlSwitchesToTheConfluentFraming() throws FlushException {
        try (FakeRegistry registry = new FakeRegistry()) {
            // a real HTTP round trip to the registry (the client's first): more than the 300 ms the fakes need
            MayflyMetrics metrics = metrics(Map.of("schema.registry.url", registry.url(), "flush.timeout", "30s"));
            metrics.counter("calls_total").register().inc();
            metrics.flush();

            byte[] value = sent().get(0).value();
            assertThat(Framing.detect(value)).isEqualTo(Framing.CONFLUENT);
            MetricEventBatch batch = MayflyCodecs.events(new SchemaRegistryClient(registry.url(), Duration.ofSeconds(1)), "mayfly-events").decode(value);
            assertThat(point(batch, "calls_total", Map.of()).getValue()).isEqualTo(1.0);
        }
    }

    @Test
    void registeringTheSameNameDifferentlyIsRejected() {
        MayflyMetrics metrics = metrics();
        Counter c = metrics.counter("calls_total").labelNames("a").register();

        assertThat(metrics.counter("calls_total").labelNames("a").register()).isSameAs(c);
        assertThatThrownBy(() -> metrics.gauge("calls_total").labelNames("a").register())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already registered as a counter");
        assertThatThrownBy(() -> metrics.counter("calls_total").labelNames("b").register())
                .hasMessageContaining("label names [a]");
        metrics.histogram("h").classicUpperBounds(1).register();
        assertThatThrownBy(() -> metrics.histogram("h").classicUpperBounds(2).register()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void invalidUseIsRejectedWithAClearMessage() {
        MayflyMetrics metrics = metrics();
        Counter c = metrics.counter("calls_total").labelNames("route").register();

        assertThatThrownBy(() -> metrics.counter("1bad")).hasMessageContaining("'1bad' is not a valid metric name");
        assertThatThrownBy(() -> metrics.counter("mayfly_x")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> metrics.counter("calls_total_total")).hasMessageContaining("would be served as calls_total");
        assertThatThrownBy(() -> metrics.counter("_total")).hasMessageContaining("empty without its _total suffix");
        assertThat(metrics.gauge("queue_total_total").register()).as("only counters lose a _total suffix").isNotNull();
        assertThatThrownBy(() -> metrics.counter("x").labelNames("job")).hasMessageContaining("label name job is set by Mayfly");
        assertThatThrownBy(() -> metrics.counter("x").labelNames("__x")).hasMessageContaining("not a valid label name");
        assertThatThrownBy(() -> metrics.counter("x").labelNames("a", "a")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> metrics.histogram("h").labelNames("le")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> metrics.histogram("h").classicUpperBounds(1, 1)).hasMessageContaining("strictly increasing");
        assertThatThrownBy(() -> c.labelValues("/", "extra")).hasMessageContaining("label names [route] but got 2 label values");
        assertThatThrownBy(() -> c.labelValues((String) null)).hasMessageContaining("value of label route is null");
        assertThatThrownBy(c::inc).isInstanceOf(IllegalStateException.class).hasMessageContaining("use labelValues");
        assertThatThrownBy(() -> c.labelValues("/").inc(-1)).hasMessageContaining("must be finite and 0 or more, got -1.0");
        assertThatThrownBy(() -> c.labelValues("/").inc(Double.NaN)).hasMessageContaining("got NaN");
    }

    /** The rules of the shared validator (which the gateway and the streams app apply too), refused as early as they can be. */
    @Test
    void whatMayflyWouldRejectIsRefusedWhenRecordedOrFlushed() throws FlushException {
        assertThatThrownBy(() -> metrics(Map.of("max.label.value.length", "8")))
                .hasMessage("config keys job, function and region: the region has 9 characters; at most 8 (max.label.value.length)");
        MayflyMetrics metrics = metrics(Map.of("max.labels", "5", "max.label.value.length", "12"));
        assertThatThrownBy(() -> metrics.counter("wide_total").labelNames("a", "b", "c").register())
                .hasMessage("metric 'wide_total' has 6 labels (job, function, region and grouping labels included); at most 5 (max.labels)");
        Counter bytes = metrics.counter("bytes_total").labelNames("route").register();
        assertThatThrownBy(() -> bytes.labelValues("/a-long-route"))
                .hasMessage("metric 'bytes_total': label 'route' has a value of 13 characters; at most 12 (max.label.value.length)");
        assertThatThrownBy(() -> bytes.labelValues("/").inc(Double.POSITIVE_INFINITY)).hasMessageContaining("must be finite");
        Histogram sizes = metrics.histogram("size").classicUpperBounds(1).register();
        assertThatThrownBy(() -> sizes.observe(Double.POSITIVE_INFINITY)).hasMessageContaining("must be finite");

        Gauge ratio = metrics.gauge("ratio").register();
        ratio.set(Double.NaN); // a gauge's last value may be NaN, as in Prometheus
        bytes.labelValues("/").inc(1.5e308);
        bytes.labelValues("/").inc(1.5e308); // the delta overflows to +Inf
        assertThatThrownBy(metrics::flush).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("1 point was not sent because Mayfly would reject it: counter 'bytes_total' has value +Inf; counters must be finite");
        MetricEventBatch sent = batch(0);
        assertThat(sent.getPoints()).extracting(MetricPoint::getName).containsExactlyInAnyOrder("ratio", "size");
        assertThat(point(sent, "ratio", Map.of()).getValue()).isNaN();
    }

    /** Refused points are gone whatever becomes of the others: when their send fails, its exception says so too. */
    @Test
    void pointsRefusedWhenTheSendOfTheOthersFailsTooAreReportedWithThatFailure() throws FlushException {
        MayflyMetrics metrics = metrics();
        Counter bytes = metrics.counter("bytes_total").register();
        Counter calls = metrics.counter("calls_total").register();
        metrics.flush(); // creates the producer
        bytes.inc(1.5e308);
        bytes.inc(1.5e308); // the delta overflows to +Inf
        calls.inc(2);
        producers.get(0).sendException = new NetworkException("broker gone");

        FlushException failure = org.junit.jupiter.api.Assertions.assertThrows(FlushException.class, metrics::flush);
        assertThat(failure.dropped()).isFalse();
        assertThat(failure.getSuppressed()).singleElement().isInstanceOf(IllegalArgumentException.class)
                .extracting(Throwable::getMessage).asString()
                .isEqualTo("1 point was not sent because Mayfly would reject it: counter 'bytes_total' has value +Inf; counters must be finite");
        assertThat(metrics.sender().pendingEventIds()).containsExactly(failure.eventId());
    }

    private static MetricPoint point(MetricEventBatch batch, String name, Map<String, String> labels) {
        return batch.getPoints().stream()
                .filter(p -> p.getName().equals(name) && p.getLabels().equals(labels))
                .findFirst().orElseThrow(() -> new AssertionError("no point " + name + labels + " in " + batch.getPoints()));
    }
}
