package dev.mayfly.micrometer.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CumulativeDeltaTest {
    @Test
    void increaseSinceThePreviousReadAndARestartCountsWhole() {
        CumulativeDelta d = new CumulativeDelta();
        assertThat(d.next(5)).isEqualTo(5);
        assertThat(d.next(5)).isZero();
        assertThat(d.next(12)).isEqualTo(7);
        assertThat(d.next(3)).as("went down: the source restarted from 0").isEqualTo(3);
        assertThat(d.next(4)).isEqualTo(1);
    }

    @Test
    void aValueThatIsNotACountIsNoIncreaseAndIsForgotten() {
        CumulativeDelta d = new CumulativeDelta();
        assertThat(d.next(10)).isEqualTo(10);
        assertThat(d.next(Double.NaN)).isZero();
        assertThat(d.next(-1)).isZero();
        assertThat(d.next(Double.POSITIVE_INFINITY)).isZero();
        assertThat(d.next(11)).isEqualTo(1);
    }
}
