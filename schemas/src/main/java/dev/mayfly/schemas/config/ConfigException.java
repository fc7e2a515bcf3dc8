package dev.mayfly.schemas.config;

/** A configuration key that is unknown, missing or malformed. The message is one line that names the key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
