package dev.mayfly.streams.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Which commits publish: the first one an interval after the last publication, or the first after a punctuation. */
class PublishPaceTest {
    @Test
    void theFirstCommitAnIntervalAfterTheLastPublicationPublishesAndStartsTheIntervalAgain() {
        PublishPace pace = new PublishPace(Duration.ofMillis(100), 1_000);
        assertThat(pace.publishesAt(1_060)).as("60 ms after the start").isFalse();
        assertThat(pace.publishesAt(1_130)).as("130 ms after the start").isTrue();
        assertThat(pace.publishesAt(1_200)).as("70 ms after the last publication").isFalse();
        assertThat(pace.publishesAt(1_230)).as("100 ms after it").isTrue();
    }

    @Test
    void aPunctuationMakesTheNextCommitPublishEvenBeforeTheIntervalHasPassed() {
        PublishPace pace = new PublishPace(Duration.ofMillis(250), 0);
        pace.punctuated();
        assertThat(pace.publishesAt(10)).isTrue();
        assertThat(pace.publishesAt(20)).as("the punctuation is used up").isFalse();
        pace.punctuated();
        assertThat(pace.publishesAt(245)).as("5 ms short of the interval, after a punctuation").isTrue();
    }

    @Test
    void aZeroIntervalNeverPublishesWithACommit() {
        PublishPace pace = new PublishPace(Duration.ZERO, 0);
        pace.punctuated();
        assertThat(pace.publishesAt(0)).isFalse();
        assertThat(pace.publishesAt(60_000)).isFalse();
    }
}
