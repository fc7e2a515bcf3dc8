package dev.mayfly.launcher.internal.topics;

import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Setting;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * A time range bound given on the command line ({@code --from}, {@code --to}): an ISO-8601 instant
 * ({@code 2026-12-01T10:00:00Z}, or with an offset, {@code 2026-12-01T11:00:00+01:00}) or a duration ago
 * ({@code 30m}, {@code 2h}, {@code 7d}: the syntax of duration settings).
 */
public final class TimeArgument {
    private TimeArgument() {
    }

    /**
     * The instant {@code text} names, a duration being counted back from {@code now}; null when {@code text} is null.
     *
     * @throws ConfigException naming {@code option} when {@code text} is neither form
     */
    public static Instant parse(String option, String text, Instant now) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        Instant instant = null;
        try {
            instant = Instant.parse(t);
        } catch (DateTimeParseException notAnInstant) {
            // try the other forms
        }
        if (instant == null) {
            try {
                instant = OffsetDateTime.parse(t).toInstant();
            } catch (DateTimeParseException notAnOffsetTime) {
                // try a duration
            }
        }
        if (instant == null) {
            try {
                instant = now.minus(Setting.parseDuration(t));
            } catch (IllegalArgumentException | ArithmeticException | java.time.DateTimeException notADuration) {
                throw new ConfigException(option + " '" + text + "' is neither an ISO-8601 instant (e.g. 2026-12-01T10:00:00Z)"
                        + " nor a duration ago (e.g. 30m, 2h, 7d)");
            }
        }
        if (instant.isBefore(Instant.EPOCH)) {
            throw new ConfigException(option + " '" + text + "' is before 1970, where no record timestamp can be");
        }
        return instant;
    }
}
