package dev.mayfly.launcher.internal.topics;

import dev.mayfly.schemas.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimeArgumentTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @Test
    void anInstantIsTakenAsIs() {
        assertThat(TimeArgument.parse("--from", "2026-11-30T08:15:00Z", NOW)).isEqualTo(Instant.parse("2026-11-30T08:15:00Z"));
        assertThat(TimeArgument.parse("--from", "2026-11-30T08:15:00.250Z", NOW)).isEqualTo(Instant.parse("2026-11-30T08:15:00.250Z"));
    }

    @Test
    void anOffsetTimeIsConvertedToTheInstant() {
        assertThat(TimeArgument.parse("--to", "2026-12-01T13:00:00+01:00", NOW)).isEqualTo(NOW);
    }

    @Test
    void aDurationCountsBackFromNow() {
        assertThat(TimeArgument.parse("--from", "2h", NOW)).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
        assertThat(TimeArgument.parse("--from", "30m", NOW)).isEqualTo(Instant.parse("2026-12-01T11:30:00Z"));
        assertThat(TimeArgument.parse("--from", "7d", NOW)).isEqualTo(Instant.parse("2026-11-24T12:00:00Z"));
        assertThat(TimeArgument.parse("--from", " 45s ", NOW)).isEqualTo(Instant.parse("2026-12-01T11:59:15Z"));
    }

    @Test
    void absentIsNull() {
        assertThat(TimeArgument.parse("--to", null, NOW)).isNull();
    }

    @Test
    void anythingElseNamesTheOptionAndBothForms() {
        for (String bad : new String[]{"yesterday", "2h30m", "2026-12-01", "-5m", "h", ""}) {
            assertThatThrownBy(() -> TimeArgument.parse("--from", bad, NOW)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("--from '" + bad + "'").hasMessageContaining("ISO-8601").hasMessageContaining("2h");
        }
    }

    @Test
    void aTimeBefore1970OrADurationPastAnyInstantIsAUsageError() {
        assertThatThrownBy(() -> TimeArgument.parse("--from", "30000d", NOW)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--from '30000d' is before 1970");
        assertThatThrownBy(() -> TimeArgument.parse("--from", "1969-12-31T23:59:59Z", NOW)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("before 1970");
        assertThatThrownBy(() -> TimeArgument.parse("--to", "99999999999999d", NOW)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--to '99999999999999d'");
    }
}
