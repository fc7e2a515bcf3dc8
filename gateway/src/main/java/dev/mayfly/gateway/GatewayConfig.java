package dev.mayfly.gateway;

import dev.mayfly.gateway.internal.PushOptions;
import dev.mayfly.schemas.avro.Temporality;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;
import dev.mayfly.schemas.validation.MetricValidator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The gateway's configuration: its own settings plus {@link CommonSettings#ALL}; {@code kafka.*} keys go to the producer. */
public final class GatewayConfig {
    public static final Setting<Integer> MAX_BODY_BYTES = Setting.integer("push.max.body.bytes", 2 * 1024 * 1024,
            "Largest request body (after gzip decompression) a push may have; larger pushes get 413");
    public static final Setting<Integer> MAX_SERIES = Setting.integer("push.max.series", 10_000,
            "Most series (points) one push may carry; more get 413");
    public static final Setting<Long> MAX_IN_FLIGHT_BYTES = Setting.longValue("push.max.in.flight.bytes", 32L * 1024 * 1024,
            "Request bytes held by pushes not yet acknowledged; past it pushes wait briefly, then get 429");
    public static final Setting<Duration> ACK_TIMEOUT = Setting.duration("push.ack.timeout", Duration.ofSeconds(10),
            "How long a push waits for Kafka's acknowledgement before it gets 503");
    public static final Setting<String> DEFAULT_TEMPORALITY = Setting.string("push.default.temporality", "delta",
            "Push style when the grouping key has no mayfly_temporality label: delta (a fresh registry per invocation) or cumulative");
    public static final Setting<String> OTLP_PROMOTED_RESOURCE_ATTRIBUTES = Setting.string("otlp.promote.resource.attributes", "",
            "Comma-separated OTLP resource attributes that become labels (others are dropped, except the ones mapped to the source)");
    public static final Setting<Boolean> COALESCE = Setting.bool("push.coalesce", true,
            "Write pushes into the same group that arrive while one of its writes is in flight as one events record "
                    + "(pushes with an Idempotency-Key, cumulative and delete pushes are always written alone)");
    public static final Setting<Boolean> SERVED_TYPES_CHECK = Setting.bool("push.served.types.check", true,
            "Refuse (400 type_conflict) a push whose metric /metrics would leave out because its name is served as another type; "
                    + "a gateway run apart reads the aggregates topic for this and holds every series as an exporter does "
                    + "(false: only the families of one push are checked against each other)");
    public static final Setting<Boolean> IDLE_TICKS = Setting.bool("push.idle.ticks", true,
            "While no push arrives, write a tick (a batch without points, headed mayfly.tick) to the events topic about "
                    + "every second, so the engine expires idle series while nothing is pushed (false: only while pushes "
                    + "arrive, as engines before ticks need: they count a tick as a push of job mayfly-gateway-tick)");
    public static final String PUSH_AUTH_PREFIX = "push.auth.";

    public static final List<Setting<?>> SETTINGS;

    static {
        List<Setting<?>> all = new ArrayList<>(List.of(MAX_BODY_BYTES, MAX_SERIES, MAX_IN_FLIGHT_BYTES, ACK_TIMEOUT,
                DEFAULT_TEMPORALITY, OTLP_PROMOTED_RESOURCE_ATTRIBUTES, COALESCE, SERVED_TYPES_CHECK, IDLE_TICKS));
        all.addAll(Authenticator.settings(PUSH_AUTH_PREFIX));
        all.addAll(CommonSettings.ALL);
        SETTINGS = List.copyOf(all);
    }

    private final Settings settings;
    private final MetricValidator validator;

    private GatewayConfig(Settings settings) {
        this.settings = settings;
        this.validator = CommonSettings.validator(settings);
        if (maxBodyBytes() < 1 || maxSeries() < 1 || maxInFlightBytes() < 1) {
            throw new ConfigException("config keys push.max.body.bytes, push.max.series and push.max.in.flight.bytes must be positive");
        }
        defaultTemporality();
    }

    public static GatewayConfig from(Map<String, String> raw) {
        return new GatewayConfig(Settings.parse(raw, SETTINGS, CommonSettings.KAFKA_PREFIX));
    }

    public Settings settings() {
        return settings;
    }

    public int maxBodyBytes() {
        return settings.get(MAX_BODY_BYTES);
    }

    public int maxSeries() {
        return settings.get(MAX_SERIES);
    }

    public long maxInFlightBytes() {
        return settings.get(MAX_IN_FLIGHT_BYTES);
    }

    public Duration ackTimeout() {
        return settings.get(ACK_TIMEOUT);
    }

    public boolean idleTicks() {
        return settings.get(IDLE_TICKS);
    }

    public boolean coalesce() {
        return settings.get(COALESCE);
    }

    public Temporality defaultTemporality() {
        try {
            return PushOptions.parseTemporality(settings.get(DEFAULT_TEMPORALITY).trim(), "");
        } catch (RuntimeException e) {
            throw new ConfigException("config key '" + DEFAULT_TEMPORALITY.name() + "' must be delta or cumulative, got '"
                    + settings.get(DEFAULT_TEMPORALITY) + "'");
        }
    }

    public List<String> otlpPromotedResourceAttributes() {
        String list = settings.get(OTLP_PROMOTED_RESOURCE_ATTRIBUTES);
        return list.isBlank() ? List.of() : Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The rules every push must follow (the streams app applies the same), with the configured label limits. */
    public MetricValidator validator() {
        return validator;
    }

    public Authenticator pushAuthenticator() {
        return Authenticator.from(settings, PUSH_AUTH_PREFIX);
    }
}
