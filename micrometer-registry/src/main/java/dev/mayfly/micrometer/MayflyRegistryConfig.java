package dev.mayfly.micrometer;

import dev.mayfly.producer.MayflyMetrics;
import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.config.ConfigException;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configuration of a {@link MayflyMeterRegistry}, immutable:
 * <pre>{@code
 * MayflyRegistryConfig config = MayflyRegistryConfig.builder()
 *         .job("checkout")                              // the job label of every series (required)
 *         .producer("bootstrap.servers", "broker:9092") // any producer library key: flush.timeout, kafka.*, ...
 *         .groupingLabel("env", "prod")                 // a label on every series (optional)
 *         .step(Duration.ofSeconds(30))                 // publish in the background (optional; long-lived code)
 *         .build();
 * }</pre>
 *
 * <p>{@link Builder#build()} rejects what is invalid with a one-line {@link ConfigException} naming it: a grouping
 * label name that is not a valid Prometheus label name or is set by Mayfly ({@code job}, {@code function},
 * {@code region}, {@code instance}) or is {@code le}; a step that is not positive; and every producer library key,
 * checked by the producer library itself ({@link MayflyMetrics#fromConfig}): unknown keys, malformed values, a
 * missing job. A config without producer settings is only for {@link MayflyMeterRegistry#MayflyMeterRegistry(
 * MayflyRegistryConfig, MayflyMetrics)}, which publishes through metrics created elsewhere.
 */
public final class MayflyRegistryConfig {
    private static final Set<String> SET_BY_MAYFLY = Set.of("job", "function", "region", "instance", "le");

    private final Map<String, String> producerConfig;
    private final Map<String, String> groupingLabels;
    private final Duration step;

    private MayflyRegistryConfig(Builder b) {
        this.producerConfig = Collections.unmodifiableMap(new LinkedHashMap<>(b.producer));
        this.groupingLabels = Collections.unmodifiableMap(new TreeMap<>(b.groupingLabels));
        this.step = b.step;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The producer library's configuration ({@link MayflyMetrics#fromConfig} keys, {@code job} included); may be empty. */
    public Map<String, String> producerConfig() {
        return producerConfig;
    }

    /** Labels every series gets, sorted by name; they win over a meter tag of the same name. */
    public Map<String, String> groupingLabels() {
        return groupingLabels;
    }

    /** How often to publish in the background; empty: only {@link MayflyMeterRegistry#flush()} and close publish. */
    public Optional<Duration> step() {
        return Optional.ofNullable(step);
    }

    /** Collects the settings; {@link #build()} checks them. Not thread-safe. */
    public static final class Builder {
        private final Map<String, String> producer = new LinkedHashMap<>();
        private final Map<String, String> groupingLabels = new LinkedHashMap<>();
        private Duration step;

        private Builder() {
        }

        /** The job label of every series: the producer library's {@code job} key. */
        public Builder job(String job) {
            return producer("job", job);
        }

        /** A producer library key, e.g. {@code bootstrap.servers}, {@code flush.timeout}, {@code kafka.security.protocol}. */
        public Builder producer(String key, String value) {
            producer.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, () -> "value of producer key " + key));
            return this;
        }

        /** Every entry of {@code config} as {@link #producer(String, String)}. */
        public Builder producerConfig(Map<String, String> config) {
            config.forEach(this::producer);
            return this;
        }

        /** A label every series gets (like a Pushgateway grouping label). */
        public Builder groupingLabel(String name, String value) {
            groupingLabels.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, () -> "value of grouping label " + name));
            return this;
        }

        /** Publish every {@code step} in the background as well (for long-lived processes); null: never by itself. */
        public Builder step(Duration step) {
            this.step = step;
            return this;
        }

        /** @throws ConfigException naming the first invalid setting */
        public MayflyRegistryConfig build() {
            for (String name : groupingLabels.keySet()) {
                if (!MetricNames.isLabelName(name)) {
                    throw new ConfigException("grouping label '" + name + "' is not a valid label name: use letters, digits and _, not starting with a digit or __");
                }
                if (SET_BY_MAYFLY.contains(name)) {
                    throw new ConfigException("grouping label '" + name + "' is reserved: job, function, region and instance are set by Mayfly"
                            + " from the producer settings, le is the bucket label of histograms");
                }
            }
            if (step != null && (step.isNegative() || step.toMillis() < 1)) {
                throw new ConfigException("step must be 1ms or more (or not set, for no background publish), got " + step);
            }
            if (!producer.isEmpty()) {
                MayflyMetrics.fromConfig(producer).close(); // the producer library's own checks; no producer is created before a flush
            }
            return new MayflyRegistryConfig(this);
        }
    }
}
