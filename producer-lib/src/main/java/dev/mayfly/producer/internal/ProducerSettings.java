package dev.mayfly.producer.internal;

import dev.mayfly.schemas.EventsApi;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;

import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The producer library's configuration keys: its own plus {@link CommonSettings#ALL}, and Kafka producer properties
 * under {@code kafka.}. From the environment, {@code MAYFLY_SOME_KEY} is key {@code some.key}.
 */
public final class ProducerSettings {
    public static final String ENV_PREFIX = "MAYFLY_";
    public static final Setting<String> JOB = Setting.string("job", null, "Job name: the job label of every series").required();
    public static final Setting<String> FUNCTION = Setting.string("function", "",
            "Function name: the function label (default: AWS_LAMBDA_FUNCTION_NAME when set)");
    public static final Setting<String> REGION = Setting.string("region", "", "Region: the region label (default: AWS_REGION when set)");
    public static final Setting<Duration> FLUSH_TIMEOUT = Setting.duration("flush.timeout", Duration.ofSeconds(5),
            "Longest time flush() waits for Kafka to acknowledge; also bounds the producer's blocking and delivery");
    public static final Setting<String> GATEWAY_URL = Setting.string("gateway.url", "",
            "The gateway's URL (http://host:port): set, flush() posts batches to its events API instead of writing to Kafka");
    public static final Setting<String> GATEWAY_TOKEN = Setting.string("gateway.token", "",
            "Bearer token for the gateway (its push.auth.tokens file), when it requires one");
    /** The library's own keys, beside the Kafka and registry keys it shares with Mayfly's services. */
    public static final List<Setting<?>> OWN = List.of(JOB, FUNCTION, REGION, FLUSH_TIMEOUT, GATEWAY_URL, GATEWAY_TOKEN);
    public static final List<Setting<?>> ALL = all();

    private ProducerSettings() {
    }

    private static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(OWN);
        all.addAll(CommonSettings.ALL);
        return List.copyOf(all);
    }

    /** Validates {@code config} (keys as documented); unknown or malformed keys throw a one-line {@link ConfigException}. */
    public static Settings parse(Map<String, String> config) {
        Settings settings = Settings.parse(config, ALL, CommonSettings.KAFKA_PREFIX);
        Duration timeout = settings.get(FLUSH_TIMEOUT);
        if (timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new ConfigException("config key 'flush.timeout' must be between 1ms and 24d, got '" + config.get(FLUSH_TIMEOUT.name()) + "'");
        }
        String gateway = settings.get(GATEWAY_URL);
        if (!gateway.isEmpty()) {
            gatewayEventsUrl(gateway);
            for (String key : config.keySet()) {
                if (key.equals(CommonSettings.BOOTSTRAP_SERVERS.name()) || key.equals(CommonSettings.SCHEMA_REGISTRY_URL.name())
                        || key.startsWith(CommonSettings.KAFKA_PREFIX)) {
                    throw new ConfigException("config key '" + key + "' is for writing to Kafka, but 'gateway.url' is set: batches go"
                            + " to the gateway; set one of the two");
                }
            }
        } else if (!settings.get(GATEWAY_TOKEN).isEmpty()) {
            throw new ConfigException("config key 'gateway.token' needs 'gateway.url'");
        }
        return settings;
    }

    /** The URL of the gateway's events API under the base URL {@code gateway} (http or https, a host, no query). */
    public static URL gatewayEventsUrl(String gateway) {
        try {
            URI base = new URI(gateway.endsWith("/") ? gateway.substring(0, gateway.length() - 1) : gateway);
            if (!("http".equals(base.getScheme()) || "https".equals(base.getScheme())) || base.getHost() == null
                    || base.getRawQuery() != null || base.getRawFragment() != null) {
                throw new URISyntaxException(gateway, "not an http:// or https:// URL with a host and no query");
            }
            return URI.create(base + EventsApi.PATH).toURL();
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            throw new ConfigException("config key 'gateway.url' must be the gateway's URL, such as http://mayfly:9091, got '" + gateway + "'");
        }
    }

    /** The configuration keys that the environment {@code env} gives: {@code MAYFLY_*}, plus the function and region AWS Lambda sets. */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> config = new LinkedHashMap<>(Settings.fromEnvironment(env, ENV_PREFIX));
        putIfAbsent(config, FUNCTION.name(), env.get("AWS_LAMBDA_FUNCTION_NAME"));
        putIfAbsent(config, REGION.name(), env.get("AWS_REGION"));
        return config;
    }

    private static void putIfAbsent(Map<String, String> config, String key, String value) {
        if (value != null && !value.isBlank()) {
            config.putIfAbsent(key, value);
        }
    }
}
