package dev.mayfly.streams.internal;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The aggregate step's series buffer over a real (in-memory) store: what reaches the store, and when. */
class WriteBackSeriesTest {
    private KeyValueStore<String, byte[]> store;
    private WriteBackSeries series;

    @BeforeEach
    void open() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("series"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().withCachingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        series = new WriteBackSeries(store);
    }

    @Test
    void aChangeIsSeenAtOnceAndReachesTheStoreOnlyWhenWrittenBack() {
        series.put("a", bytes("1"));
        series.put("a", bytes("2"));
        assertThat(series.get("a")).isEqualTo(bytes("2"));
        assertThat(store.get("a")).as("not before the commit").isNull();
        series.writeBack();
        assertThat(store.get("a")).isEqualTo(bytes("2"));
    }

    @Test
    void aSeriesOnlyInTheStoreIsReadFromIt() {
        store.put("a", bytes("stored"));
        assertThat(series.get("a")).isEqualTo(bytes("stored"));
        assertThat(series.get("missing")).isNull();
    }

    @Test
    void deleteRemovesTheSeriesFromTheStoreAtOnceAndReturnsItsNewestValue() {
        store.put("a", bytes("old"));
        series.put("a", bytes("new"));
        assertThat(series.delete("a")).isEqualTo(bytes("new"));
        assertThat(store.get("a")).isNull();
        assertThat(series.get("a")).isNull();
        series.writeBack();
        assertThat(store.get("a")).as("a deleted change is not written back").isNull();
    }

    @Test
    void aScanSeesHeldChanges() {
        store.put("a", bytes("old"));
        series.put("a", bytes("new"));
        series.put("b", bytes("1"));
        List<String> seen = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = series.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                seen.add(kv.key + "=" + new String(kv.value, StandardCharsets.UTF_8));
            }
        }
        assertThat(seen).containsExactly("a=new", "b=1");
    }

    @Test
    void discardDropsHeldChangesAndReadsTheStoreAgain() {
        store.put("a", bytes("committed"));
        series.put("a", bytes("uncommitted"));
        series.discard();
        series.writeBack();
        assertThat(store.get("a")).isEqualTo(bytes("committed"));
        assertThat(series.get("a")).isEqualTo(bytes("committed"));
    }

    @Test
    void theLeastRecentlyUsedChangeIsWrittenBackBeforeItIsDropped() {
        series.put("first", bytes("1"));
        for (int i = 0; i < WriteBackSeries.MAX_ENTRIES; i++) {
            series.put("s" + i, bytes("x"));
        }
        assertThat(store.get("first")).as("dropped from memory, kept in the store").isEqualTo(bytes("1"));
        assertThat(store.get("s0")).isNull();
        assertThat(series.get("first")).isEqualTo(bytes("1"));
        series.writeBack();
        assertThat(store.approximateNumEntries()).isEqualTo(WriteBackSeries.MAX_ENTRIES + 1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
