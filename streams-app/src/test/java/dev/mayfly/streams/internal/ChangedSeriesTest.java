package dev.mayfly.streams.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** What a publication passes on: the real changes first, then a bounded slice of the series republished after a start. */
class ChangedSeriesTest {
    @Test
    void changesArePublishedOnceInTheOrderTheyFirstChanged() {
        ChangedSeries changed = ChangedSeries.startingFrom(List.of());
        changed.mark("b");
        changed.mark("a");
        changed.mark("b");
        assertThat(publish(changed)).containsExactly("b", "a");
        assertThat(publish(changed)).as("published changes are forgotten").isEmpty();
    }

    @Test
    void aStartRepublishesEveryStoredSeriesInSlicesAfterTheRealChanges() {
        int stored = ChangedSeries.REPUBLISH_SLICE * 2 + 5;
        List<String> keys = IntStream.range(0, stored).mapToObj(i -> "s" + i).collect(Collectors.toList());
        ChangedSeries changed = ChangedSeries.startingFrom(keys);
        changed.mark("new");
        changed.mark("s3");

        List<String> first = publish(changed);
        assertThat(first).as("the changes, then one slice").hasSize(2 + ChangedSeries.REPUBLISH_SLICE).startsWith("new", "s3");
        List<String> second = publish(changed);
        assertThat(second).hasSize(ChangedSeries.REPUBLISH_SLICE);
        List<String> third = publish(changed);
        assertThat(third).hasSize(stored - 1 - 2 * ChangedSeries.REPUBLISH_SLICE);
        assertThat(changed.toRepublish()).isZero();
        assertThat(publish(changed)).isEmpty();

        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        all.addAll(third);
        assertThat(all).as("every stored series once, the changed one not twice").doesNotHaveDuplicates()
                .containsAll(keys).hasSize(stored + 1);
    }

    @Test
    void aForgottenSeriesIsNeitherPublishedNorRepublished() {
        ChangedSeries changed = ChangedSeries.startingFrom(List.of("gone", "kept"));
        changed.mark("gone");
        changed.forget("gone");
        assertThat(publish(changed)).containsExactly("kept");
    }

    private static List<String> publish(ChangedSeries changed) {
        List<String> out = new ArrayList<>();
        changed.publish(out::add);
        return out;
    }
}
