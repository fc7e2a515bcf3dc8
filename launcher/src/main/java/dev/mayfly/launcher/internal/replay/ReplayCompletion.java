package dev.mayfly.launcher.internal.replay;

import dev.mayfly.launcher.internal.topics.PartitionRange;
import dev.mayfly.launcher.internal.topics.ProgressReporter;
import dev.mayfly.launcher.internal.topics.RangeException;
import dev.mayfly.launcher.internal.topics.TopicRange;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Decides when a replay's streams app has produced everything the range gives, from the committed offsets of its
 * consumer group (only offsets whose transactions committed, so the outputs of those transactions are committed too):
 * <ol>
 *   <li>the ingest step committed, in every partition of the events topic, an offset at or past the range's end;</li>
 *   <li>then the aggregate step committed, in every partition of the series-updates repartition topic, an offset at or
 *       past that topic's end offset as it was when step 1 completed (the ingest step writes nothing more: the
 *       records past the range are skipped, and it tells the partitions its time only along with records it forwards);</li>
 *   <li>then the pipeline counters, published on the wall clock, had time for one more publication
 *       ({@code settle}); the clean close that follows commits it.</li>
 * </ol>
 * Series changes are published as they are processed in a replay ({@code publish.interval=0}), so step 2 covers them.
 */
public final class ReplayCompletion {
    private static final long POLL_MILLIS = 250;

    private final ReplayTopics topics;
    private final ReplayNames names;
    private final BooleanSupplier healthy;
    private final Duration stallTimeout;

    public ReplayCompletion(ReplayTopics topics, ReplayNames names, BooleanSupplier healthy, Duration stallTimeout) {
        this.topics = topics;
        this.names = names;
        this.healthy = healthy;
        this.stallTimeout = stallTimeout;
    }

    /**
     * Waits for the three steps above, showing progress through the range in {@code progress}.
     *
     * @throws RangeException when the streams app stops on an error, or nothing advances for the stall timeout
     */
    public void await(TopicRange range, ProgressReporter progress, Duration settle) throws InterruptedException {
        long lastDone = -1;
        long lastAdvance = System.nanoTime();
        while (true) {
            Map<TopicPartition, Long> committed = topics.committed(names.applicationId());
            long done = 0;
            boolean complete = true;
            for (PartitionRange p : range.partitions()) {
                long at = committed.getOrDefault(p.partition(), p.start());
                done += Math.min(Math.max(0, at - p.start()), p.size());
                complete &= at >= p.end();
            }
            progress.recordsRead(done);
            progress.update(done);
            if (complete) {
                break;
            }
            lastAdvance = check(done > lastDone, lastAdvance, "the ingest step committed " + done + " of " + range.size() + " offsets");
            lastDone = Math.max(lastDone, done);
            Thread.sleep(POLL_MILLIS);
        }
        Map<TopicPartition, Long> updates = topics.endOffsets(names.seriesUpdatesTopic());
        lastAdvance = System.nanoTime();
        long lastBehind = Long.MAX_VALUE;
        while (true) {
            Map<TopicPartition, Long> committed = topics.committed(names.applicationId());
            long behind = 0;
            for (Map.Entry<TopicPartition, Long> e : updates.entrySet()) {
                behind += Math.max(0, e.getValue() - committed.getOrDefault(e.getKey(), 0L));
            }
            if (behind == 0) {
                break;
            }
            lastAdvance = check(behind < lastBehind, lastAdvance, "the aggregate step is " + behind + " offsets behind");
            lastBehind = Math.min(lastBehind, behind);
            Thread.sleep(POLL_MILLIS);
        }
        long settleEnd = System.nanoTime() + settle.toNanos();
        while (System.nanoTime() < settleEnd) {
            check(true, System.nanoTime(), "");
            Thread.sleep(POLL_MILLIS);
        }
    }

    private long check(boolean advanced, long lastAdvance, String state) {
        if (!healthy.getAsBoolean()) {
            throw new RangeException("the replay's streams app stopped on an error (see the log above)");
        }
        long now = System.nanoTime();
        if (advanced) {
            return now;
        }
        if (now - lastAdvance > stallTimeout.toNanos()) {
            throw new RangeException("the replay made no progress for " + stallTimeout.toSeconds() + " s (" + state
                    + "); is the cluster still up?");
        }
        return lastAdvance;
    }
}
