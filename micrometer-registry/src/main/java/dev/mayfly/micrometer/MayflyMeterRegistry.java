package dev.mayfly.micrometer;

import dev.mayfly.micrometer.internal.Buckets;
import dev.mayfly.micrometer.internal.MayflyCounter;
import dev.mayfly.micrometer.internal.MayflyDistributionSummary;
import dev.mayfly.micrometer.internal.MayflyTimer;
import dev.mayfly.micrometer.internal.Polled;
import dev.mayfly.micrometer.internal.CumulativeDelta;
import dev.mayfly.micrometer.internal.PolledFunctionCounter;
import dev.mayfly.micrometer.internal.PolledGauge;
import dev.mayfly.micrometer.internal.PolledTimeGauge;
import dev.mayfly.micrometer.internal.PrometheusNames;
import dev.mayfly.micrometer.internal.SeriesFactory;
import dev.mayfly.micrometer.internal.StepConfig;
import dev.mayfly.producer.FlushException;
import dev.mayfly.producer.MayflyMetrics;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeFunctionTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.internal.DefaultMeter;
import io.micrometer.core.instrument.push.PushMeterRegistry;
import io.micrometer.core.instrument.util.NamedThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A Micrometer {@code MeterRegistry} that publishes through Mayfly's producer library, for functions that record
 * with Micrometer (Spring Cloud Function, Quarkus, Micronaut, or Micrometer alone):
 * <pre>{@code
 * // once per container
 * static final MayflyMeterRegistry MAYFLY = new MayflyMeterRegistry(MayflyRegistryConfig.builder()
 *         .job("checkout").producer("bootstrap.servers", "broker:9092").build());
 * static final Counter ORDERS = Counter.builder("orders.placed").tag("country", "fr").register(MAYFLY);
 *
 * // in the handler, once per invocation
 * ORDERS.increment();
 * MAYFLY.flush();   // one batch; returns once Kafka acknowledged it (at most flush.timeout)
 * }</pre>
 *
 * <p>What is published, under the names and labels Micrometer's Prometheus registry would expose ({@link
 * PrometheusNames}: {@code orders.placed} is {@code orders_placed_total}, a timer {@code http.latency} is
 * {@code http_latency_seconds_bucket/_count/_sum}), plus {@code job} and the grouping labels:
 * <ul>
 *   <li>{@link Counter}: a Mayfly counter, the increase since the previous publish; {@link FunctionCounter}: the
 *       same, from the increase of its function's value;</li>
 *   <li>{@link Timer} (in seconds) and {@link DistributionSummary}: a Mayfly histogram, the observations since the
 *       previous publish, with the meter's service-level objectives as buckets (plus Micrometer's percentile buckets
 *       with {@code publishPercentileHistogram()}); without either, the {@code +Inf} bucket only, so
 *       {@code _count} and {@code _sum} as in Prometheus. Their maximum and client-side percentiles are not
 *       published (they do not add up across instances);</li>
 *   <li>{@link Gauge} and {@link TimeGauge} (in seconds): a Mayfly gauge, the value read at each publish (the last
 *       value wins); NaN (its object was garbage collected) is not published;</li>
 *   <li>not published (they work locally, a warning is logged once per meter): {@link LongTaskTimer} and
 *       {@link FunctionTimer} (Micrometer's Prometheus registry exposes them as summaries, which Mayfly does not
 *       aggregate) and custom meters.</li>
 * </ul>
 * A meter Mayfly would refuse (the same name with other tag keys or other buckets than an earlier meter, a reserved
 * tag key {@code job}, {@code function}, {@code region} or {@code instance}, too many labels or a too long tag value)
 * works locally but is not published: the registry's {@code onMeterRegistrationFailed} listeners are told why.
 *
 * <p>Delivery: every publish ({@link #flush()}, a step, {@link #close()}) is ONE producer library batch with its own
 * event id. A batch Kafka did not acknowledge is kept and resent, with the same event id, before the next one; Mayfly
 * counts an event id once, so a retried publish counts once and an acknowledged one is never lost.
 *
 * <p>Thread-safe.
 */
public final class MayflyMeterRegistry extends PushMeterRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MayflyMeterRegistry.class);

    private final MayflyMetrics metrics;
    private final boolean ownsMetrics;
    private final SeriesFactory series;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final StepConfig stepConfig;
    /**
     * The last count read of every function counter ever registered, by id: one removed and registered again goes on
     * from its last read instead of counting its whole running total a second time (a lower count is still a reset).
     */
    private final Map<Meter.Id, CumulativeDelta> functionCounterReads = new ConcurrentHashMap<>();

    /**
     * A registry with its own producer (created on the first publish) configured by {@code config}'s producer settings.
     *
     * @throws dev.mayfly.schemas.config.ConfigException when the producer settings are missing or invalid
     */
    public MayflyMeterRegistry(MayflyRegistryConfig config) {
        this(config, MayflyMetrics.fromConfig(config.producerConfig()), true, Clock.SYSTEM);
    }

    /**
     * A registry that publishes through {@code metrics}, e.g. {@link MayflyMetrics#fromEnvironment()} or the instance
     * the function already records into directly (then each flush sends both in one batch). {@code config} must not
     * have producer settings; closing this registry does not close {@code metrics}.
     */
    public MayflyMeterRegistry(MayflyRegistryConfig config, MayflyMetrics metrics) {
        this(config, withoutProducerSettings(config, metrics), false, Clock.SYSTEM);
    }

    private static MayflyMetrics withoutProducerSettings(MayflyRegistryConfig config, MayflyMetrics metrics) {
        if (!config.producerConfig().isEmpty()) {
            throw new IllegalArgumentException("the config has producer settings " + config.producerConfig().keySet()
                    + " but the registry publishes through the given MayflyMetrics: configure that instead");
        }
        return java.util.Objects.requireNonNull(metrics, "metrics");
    }

    private MayflyMeterRegistry(MayflyRegistryConfig config, MayflyMetrics metrics, boolean ownsMetrics, Clock clock) {
        this(new StepConfig(config.step().orElse(null)), config, metrics, ownsMetrics, clock);
    }

    private MayflyMeterRegistry(StepConfig stepConfig, MayflyRegistryConfig config, MayflyMetrics metrics, boolean ownsMetrics, Clock clock) {
        super(stepConfig, clock);
        this.stepConfig = stepConfig;
        this.metrics = metrics;
        this.ownsMetrics = ownsMetrics;
        this.series = new SeriesFactory(metrics, config.groupingLabels());
        config().namingConvention(PrometheusNames.INSTANCE);
        if (config.step().isPresent()) {
            start(new NamedThreadFactory("mayfly-micrometer-publish"));
        }
    }

    /**
     * Publishes what was recorded since the previous publish as one batch (gauges and function counters read now),
     * after any batch an earlier publish could not deliver, and blocks until Kafka acknowledged them: at most the
     * producer's {@code flush.timeout}. Call it at the end of every invocation.
     *
     * @throws FlushException when a batch was not acknowledged in time: it is kept and resent with the same event id
     *     by the next publish (counted once)
     * @throws IllegalArgumentException after sending the rest, when some points broke a rule Mayfly would reject
     *     (e.g. a histogram sum that overflowed): names the first
     */
    public void flush() throws FlushException {
        for (Meter meter : getMeters()) {
            if (meter instanceof Polled polled) {
                polled.poll();
            }
        }
        metrics.flush();
    }

    /** The step-based publish (and Micrometer's own calls): {@link #flush()}, a failure logged. */
    @Override
    protected void publish() {
        if (closing.get()) {
            return;
        }
        try {
            flush();
        } catch (FlushException e) {
            LOG.warn("metrics not published yet, the batch is kept and resent by the next publish: {}", e.getMessage());
        }
    }

    /** Stops the background publish, publishes what is left (waiting for the acknowledgement), closes the producer it owns. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        stop();
        waitForInProgressScheduledPublish();
        try {
            flush();
        } catch (FlushException | RuntimeException e) {
            LOG.warn("metrics not published on close: {}", e.getMessage());
        }
        super.close();
        if (ownsMetrics) {
            metrics.close();
        }
    }

    @Override
    protected Counter newCounter(Meter.Id id) {
        return new MayflyCounter(id, published(id, () -> series.counter(getConventionName(id), id.getDescription(), getConventionTags(id)),
                amount -> { }));
    }

    @Override
    protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
        return new MayflyTimer(id, clock, config, pauseDetector, published(id,
                () -> series.histogram(getConventionName(id), id.getDescription(), getConventionTags(id), Buckets.ofTimer(config)), value -> { }));
    }

    @Override
    protected DistributionSummary newDistributionSummary(Meter.Id id, DistributionStatisticConfig config, double scale) {
        return new MayflyDistributionSummary(id, clock, config, scale, published(id,
                () -> series.histogram(getConventionName(id), id.getDescription(), getConventionTags(id), Buckets.ofSummary(config)), value -> { }));
    }

    @Override
    protected <T> Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> valueFunction) {
        return new PolledGauge<>(id, obj, valueFunction, published(id,
                () -> series.gauge(getConventionName(id), id.getDescription(), getConventionTags(id)), NoopGauge.INSTANCE));
    }

    @Override
    protected <T> TimeGauge newTimeGauge(Meter.Id id, T obj, TimeUnit valueFunctionUnit, ToDoubleFunction<T> valueFunction) {
        Meter.Id inSeconds = id.withBaseUnit("seconds"); // as Micrometer's own time gauges: the base unit names it
        return new PolledTimeGauge<>(id, obj, valueFunctionUnit, valueFunction, published(id,
                () -> series.gauge(getConventionName(inSeconds), id.getDescription(), getConventionTags(id)), NoopGauge.INSTANCE));
    }

    @Override
    protected <T> FunctionCounter newFunctionCounter(Meter.Id id, T obj, ToDoubleFunction<T> countFunction) {
        return new PolledFunctionCounter<>(id, obj, countFunction, functionCounterReads.computeIfAbsent(id, i -> new CumulativeDelta()), published(id,
                () -> series.counter(getConventionName(id), id.getDescription(), getConventionTags(id)), amount -> { }));
    }

    @Override
    protected LongTaskTimer newLongTaskTimer(Meter.Id id, DistributionStatisticConfig config) {
        notPublished(id, "long task timers");
        return super.newLongTaskTimer(id, config);
    }

    @Override
    protected <T> FunctionTimer newFunctionTimer(Meter.Id id, T obj, ToLongFunction<T> countFunction, ToDoubleFunction<T> totalTimeFunction,
                                                 TimeUnit totalTimeFunctionUnit) {
        notPublished(id, "function timers");
        return new CumulativeFunctionTimer<>(id, obj, countFunction, totalTimeFunction, totalTimeFunctionUnit, getBaseTimeUnit());
    }

    @Override
    protected Meter newMeter(Meter.Id id, Meter.Type type, Iterable<Measurement> measurements) {
        notPublished(id, "custom meters");
        return new DefaultMeter(id, type, measurements);
    }

    @Override
    protected TimeUnit getBaseTimeUnit() {
        return TimeUnit.SECONDS;
    }

    @Override
    protected DistributionStatisticConfig defaultHistogramConfig() {
        // as Micrometer's Prometheus registry: the local maximum and percentiles decay over one step
        return DistributionStatisticConfig.builder().expiry(stepConfig.step()).build().merge(DistributionStatisticConfig.DEFAULT);
    }

    /** The series {@code create} makes; {@code unpublished} when Mayfly would refuse the meter (listeners told why). */
    private <P> P published(Meter.Id id, Supplier<P> create, P unpublished) {
        try {
            return create.get();
        } catch (IllegalArgumentException e) {
            LOG.warn("meter '{}' is not published to Mayfly: {}", id.getName(), e.getMessage());
            meterRegistrationFailed(id, e.getMessage());
            return unpublished;
        }
    }

    private static void notPublished(Meter.Id id, String what) {
        LOG.warn("meter '{}' is not published to Mayfly: {} are not supported", id.getName(), what);
    }

    private enum NoopGauge implements dev.mayfly.producer.GaugeDataPoint {
        INSTANCE;

        @Override
        public void set(double value) {
        }

        @Override
        public void inc(double amount) {
        }
    }
}
