package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.avro.Source;
import dev.mayfly.schemas.avro.Temporality;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Writes pushes into the same group that arrive while an earlier write of that group is in flight as ONE batch: a
 * fleet of invocations pushing into one group costs the events topic and the engine one record per round trip to
 * Kafka, not one per push. Nothing waits for company: a push into an idle group is written at once, alone.
 *
 * <p>Contract:
 * <ul>
 *   <li>Only pushes whose event id the gateway chose (no {@code Idempotency-Key}: a retry could not be recognised
 *       anyway), of operation RECORD, with no cumulative point, merge; every other push is written alone with its own
 *       event id. Merged pushes share job, source and grouping labels (the group), so the merged batch is exactly the
 *       points pushed, in arrival order, under a fresh event id and the newest push's emit time: the engine sums
 *       counters and histograms and takes the last gauge value within a batch as it would across batches. A push's
 *       emit time is the gateway's clock (no push API lets a client set it), and the newest push of a batch arrived
 *       before the batch was written, so every push's event time stays a moment between its arrival and its answer:
 *       a push answered before another was sent keeps the earlier event time (for last-value gauges and windows), and
 *       only pushes that were in flight together, whose order nobody observed, may be ordered either way.</li>
 *   <li>Each push's future completes when the batch holding it is durably written, or fails with that batch's failure:
 *       all the pushes of a batch succeed or fail together. A merged batch the sink finds too large is written again
 *       push by push, so a push is refused as too large only when it is too large alone.</li>
 *   <li>At most {@link #ROUNDS_IN_FLIGHT} rounds of writes per group are in flight at a time; pushes arriving while
 *       they all are wait for the next round. A merged batch holds at most {@code maxPoints} points; a round may hold
 *       several.</li>
 *   <li>Thread-safe. Writes of the next round are started from {@code executor}, never from the sink's callback. A
 *       sink that throws fails the pushes of that batch only; once {@code executor} refuses work (shutdown), pushes
 *       still waiting are failed, never left unanswered.</li>
 * </ul>
 */
public final class PushCoalescer {
    /** Most points in a merged batch: about 250 KB of 10-label points, well under Kafka's 1 MB record default. */
    public static final int MAX_POINTS = 1000;
    /** Rounds of writes of one group in flight at once: one more keeps the connection to Kafka busy between rounds. */
    static final int ROUNDS_IN_FLIGHT = 2;

    private final BatchSink sink;
    private final Executor executor;
    private final int maxPoints;
    private final boolean enabled;
    private final ConcurrentHashMap<GroupKey, Group> groups = new ConcurrentHashMap<>();

    public PushCoalescer(BatchSink sink, Executor executor, int maxPoints, boolean enabled) {
        this.sink = sink;
        this.executor = executor;
        this.maxPoints = maxPoints;
        this.enabled = enabled;
    }

    /**
     * Writes {@code batch}, merged with others of its group when the gateway made its event id ({@code uniqueId}: see
     * {@link BatchSink#write}) and the contract above allows it.
     */
    public CompletableFuture<Void> write(MetricEventBatch batch, boolean uniqueId) {
        if (!enabled || !uniqueId || !mergeable(batch)) {
            return sink.write(batch, uniqueId);
        }
        GroupKey key = new GroupKey(batch.getSource(), batch.getGroupingLabels());
        CompletableFuture<Void> done = new CompletableFuture<>();
        Push push = new Push(batch, done);
        while (true) {
            Group group = groups.computeIfAbsent(key, Group::new);
            Boolean startNow = group.offer(push);
            if (startNow != null) {
                if (startNow) {
                    Batch alone = new Batch();
                    alone.add(push);
                    writeRound(group, List.of(alone));
                }
                return done;
            }
            // the group retired between the lookup and the offer: look it up again
        }
    }

    /** True while a write cannot wait ({@link BatchSink#writesWithoutWaiting}): the coalescer itself never does. */
    public boolean writesWithoutWaiting() {
        return sink.writesWithoutWaiting();
    }

    /** Groups with a round in flight (for tests). */
    int activeGroups() {
        return groups.size();
    }

    private boolean mergeable(MetricEventBatch batch) {
        if (batch.getOperation() != Operation.RECORD || batch.getPoints().size() >= maxPoints) {
            return false;
        }
        for (MetricPoint p : batch.getPoints()) {
            if (p.getTemporality() == Temporality.CUMULATIVE) {
                return false;
            }
        }
        return true;
    }

    private void writeRound(Group group, List<Batch> round) {
        List<CompletableFuture<Void>> writes = new ArrayList<>(round.size());
        for (Batch b : round) {
            writes.add(b.write());
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
            try {
                executor.execute(() -> nextRound(group));
            } catch (RejectedExecutionException closing) {
                group.failWaiting(closing); // shutting down: nothing waits for a round that will never start
            }
        });
    }

    private void nextRound(Group group) {
        List<Batch> next = group.next();
        if (next != null) {
            writeRound(group, next);
        }
    }

    private record GroupKey(Source source, Map<String, String> grouping) {
    }

    private record Push(MetricEventBatch batch, CompletableFuture<Void> done) {
    }

    /** The pushes written as one record. */
    private final class Batch {
        private final List<Push> pushes = new ArrayList<>();
        private int points;

        boolean fits(Push p) {
            return points + p.batch.getPoints().size() <= maxPoints;
        }

        void add(Push p) {
            pushes.add(p);
            points += p.batch.getPoints().size();
        }

        /**
         * Writes the batch; completes every push's future; the returned future completes after them, never
         * exceptionally, whatever the sink does (throws, fails, or the rewrite cannot start).
         */
        CompletableFuture<Void> write() {
            try {
                pushes.removeIf(p -> p.done.isDone()); // already answered (timed out while waiting): never written after its 503
                if (pushes.isEmpty()) {
                    return CompletableFuture.completedFuture(null);
                }
                if (pushes.size() == 1) {
                    Push only = pushes.get(0);
                    return sink.write(only.batch, true).handle((ok, error) -> complete(only, error));
                }
                return sink.write(merged(), true).handle((ok, error) -> {
                    if (error != null && tooLarge(error)) {
                        return true; // written again push by push below
                    }
                    for (Push p : pushes) {
                        complete(p, error);
                    }
                    return false;
                }).thenComposeAsync(rewrite -> rewrite ? writeEach() : CompletableFuture.<Void>completedFuture(null), executor)
                        .handle((ok, error) -> failUnanswered(error));
            } catch (RuntimeException e) {
                return CompletableFuture.completedFuture(failUnanswered(e));
            }
        }

        /** Fails every push not yet answered with {@code error} (no-op when null). */
        private Void failUnanswered(Throwable error) {
            if (error != null) {
                for (Push p : pushes) {
                    complete(p, error);
                }
            }
            return null;
        }

        private CompletableFuture<Void> writeEach() {
            List<CompletableFuture<Void>> each = new ArrayList<>(pushes.size());
            for (Push p : pushes) {
                if (p.done.isDone()) {
                    continue;
                }
                try {
                    each.add(sink.write(p.batch, true).handle((ok, error) -> complete(p, error)));
                } catch (RuntimeException e) {
                    complete(p, e);
                }
            }
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new));
        }

        private MetricEventBatch merged() {
            MetricEventBatch first = pushes.get(0).batch;
            List<MetricPoint> all = new ArrayList<>(points);
            Instant emit = first.getEmitTime();
            for (Push p : pushes) {
                all.addAll(p.batch.getPoints());
                if (p.batch.getEmitTime().isAfter(emit)) {
                    emit = p.batch.getEmitTime();
                }
            }
            return new MetricEventBatch(UUID.randomUUID().toString(), first.getSource(), emit, Operation.RECORD,
                    first.getGroupingLabels(), all);
        }
    }

    private static Void complete(Push p, Throwable error) {
        if (error == null) {
            p.done.complete(null);
        } else {
            p.done.completeExceptionally(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
        }
        return null;
    }

    private static boolean tooLarge(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof BatchSink.SinkException e && e.kind() == BatchSink.SinkException.Kind.TOO_LARGE;
    }

    /** One group's state: the rounds in flight, and the batches waiting for the next one (only while all are). */
    private final class Group {
        private final GroupKey key;
        private final ArrayDeque<Batch> waiting = new ArrayDeque<>();
        private int inFlight;
        private boolean retired;

        Group(GroupKey key) {
            this.key = key;
        }

        /** null: retired, look the group up again; true: write it now, alone; false: it waits for the next round. */
        synchronized Boolean offer(Push p) {
            if (retired) {
                return null;
            }
            if (inFlight < ROUNDS_IN_FLIGHT) {
                inFlight++;
                return true;
            }
            Batch last = waiting.peekLast();
            if (last == null || !last.fits(p)) {
                last = new Batch();
                waiting.addLast(last);
            }
            last.add(p);
            return false;
        }

        /**
         * A round ended: the next round, or null when nothing waits; with no round left in flight the group retires (a
         * later push starts a new one).
         */
        synchronized List<Batch> next() {
            if (waiting.isEmpty()) {
                endRound();
                return null;
            }
            List<Batch> round = new ArrayList<>(waiting);
            waiting.clear();
            return round;
        }

        /** A round ended with nothing to start: with no round left in flight the group retires. Holds the lock. */
        private void endRound() {
            if (--inFlight == 0) {
                retired = true;
                groups.remove(key, this);
            }
        }

        /** Fails every waiting push with {@code error}; the group retires once no round is in flight. */
        void failWaiting(Throwable error) {
            List<Batch> dropped;
            synchronized (this) {
                dropped = new ArrayList<>(waiting);
                waiting.clear();
                endRound();
            }
            for (Batch b : dropped) {
                b.failUnanswered(error);
            }
        }
    }
}
