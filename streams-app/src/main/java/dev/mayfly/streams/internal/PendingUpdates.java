package dev.mayfly.streams.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The series contributions the ingest step holds until its task commits, merged across batches: N batches that touch
 * the same series between two commits become one record on the series-updates topic instead of N. Only contributions
 * that {@link Update#mergesAcrossBatches merge exactly} are combined; any other is held as it is, in arrival order.
 * Held in memory only within one transaction: the owner forwards everything at each commit ({@link CommitHook}),
 * before a group delete, and whenever {@link #limit} entries are held, so no input offset is ever committed before
 * the contributions it produced.
 */
final class PendingUpdates {
    private final Map<String, Update> held = new LinkedHashMap<>();
    private final int limit;

    /** @param limit most entries held; reaching it forwards them all at once */
    PendingUpdates(int limit) {
        this.limit = limit;
    }

    /**
     * Holds {@code u} (its series key set), merged into an earlier contribution to the same series and aggregation
     * when exact. Updates that must go out now, to keep their order, are passed to {@code forward}.
     *
     * @param mergeKey series key and aggregation (and stream) of the contribution
     * @param mergeable whether {@code u} may be merged with other batches' contributions
     */
    void add(String mergeKey, Update u, boolean mergeable, Consumer<Update> forward) {
        if (held.size() >= limit) {
            drain(forward);
        }
        if (!mergeable) {
            held.put(mergeKey + '\u0000' + u.eventId, u);
            return;
        }
        Update earlier = held.get(mergeKey);
        if (earlier == null) {
            held.put(mergeKey, u);
            return;
        }
        Update merged = earlier.mergeLaterBatch(u);
        if (merged == null) {
            // not combinable (e.g. a new help text): the earlier one goes first, this one is held in its place
            forward.accept(held.remove(mergeKey));
            held.put(mergeKey, u);
        } else if (merged != earlier) {
            held.put(mergeKey, merged); // a newer last value stands for both, in the earlier one's place
        }
    }

    /** Passes every held contribution to {@code forward}, in the order they were first held, and forgets them. */
    void drain(Consumer<Update> forward) {
        for (Update u : held.values()) {
            forward.accept(u);
        }
        held.clear();
    }

    /** Forgets everything held (the transaction it belonged to is aborted). */
    void clear() {
        held.clear();
    }

    boolean isEmpty() {
        return held.isEmpty();
    }
}
