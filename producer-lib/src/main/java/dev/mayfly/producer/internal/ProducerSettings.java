package dev.mayfly.producer.internal;

import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;
import dev.mayfly.schemas.config.Settings;

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
    public static final List<Setting<?>> ALL = all();

    private ProducerSettings() {
    }

    private static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(List.of(JOB, FUNCTION, REGION, FLUSH_TIMEOUT));
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
        return settings;
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
