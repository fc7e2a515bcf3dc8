package dev.mayfly.schemas.config;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which configuration values are secret, the one rule every place that shows settings applies (the status page, logs):
 * Kafka client properties Kafka itself types as passwords (under {@code kafka.}), any key naming a password, secret,
 * credential or JAAS configuration, and the user information in a URL ({@code https://user:pass@host}).
 */
public final class Secrets {
    /** What a secret value is shown as. */
    public static final String MASK = "(secret)";
    private static final Pattern URL_USER_INFO = Pattern.compile("(?<=://)[^/@\\s]+@");
    private static final String[] SECRET_WORDS = {"password", "secret", "credential", "jaas", "user.info", "api.key"};

    private Secrets() {
    }

    /** Whether the value of {@code key} must never be shown. */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.endsWith(".file") || k.endsWith("_file")) {
            return false; // a path to a secret is not the secret
        }
        for (String word : SECRET_WORDS) {
            if (k.contains(word)) {
                return true;
            }
        }
        if (k.startsWith(CommonSettings.KAFKA_PREFIX)) {
            String name = k.substring(CommonSettings.KAFKA_PREFIX.length());
            for (ConfigDef def : new ConfigDef[]{ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef()}) {
                ConfigDef.ConfigKey ck = def.configKeys().get(name);
                if (ck != null && ck.type == ConfigDef.Type.PASSWORD) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code value} as it may be shown: {@link #MASK} for a secret key, a URL's user information masked otherwise. */
    public static String shown(String key, String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        if (isSecret(key)) {
            return MASK;
        }
        return URL_USER_INFO.matcher(value).replaceAll(MASK + "@");
    }
}
