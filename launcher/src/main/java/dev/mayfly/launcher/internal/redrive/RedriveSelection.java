package dev.mayfly.launcher.internal.redrive;

import dev.mayfly.launcher.internal.events.BatchDecoder;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.DecodeException;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.Set;

/**
 * Which dead letters {@code mayfly redrive} re-publishes: those whose reason is one asked for and whose batch is of
 * the job (when given); of those, a dead letter is skipped when its value is not a batch, or when it is older than
 * {@code oldestMs}: the engine would no longer remember the redriven event id (its deduplication horizon), so a
 * second redrive of it would count it twice.
 */
public final class RedriveSelection {
    /** What becomes of one dead letter. */
    public enum Verdict { REDRIVE, FILTERED, UNDECODABLE, TOO_OLD }

    /** A verdict, with the batch when it is {@link Verdict#REDRIVE}. */
    public record Outcome(Verdict verdict, MetricEventBatch batch, String reason) {
    }

    private final Set<String> reasons;
    private final String job;
    private final long oldestMs;
    private final BatchDecoder decoder;

    public RedriveSelection(Set<String> reasons, String job, long oldestMs, BatchDecoder decoder) {
        this.reasons = Set.copyOf(reasons);
        this.job = job;
        this.oldestMs = oldestMs;
        this.decoder = decoder;
    }

    /** Whether dead letters of {@code reason} are asked for. */
    public boolean wants(String reason) {
        return reasons.contains(reason);
    }

    /**
     * The verdict on {@code deadLetter}.
     *
     * @throws IllegalStateException when the schema registry cannot be asked (nothing is known about the record)
     */
    public Outcome judge(ConsumerRecord<byte[], byte[]> deadLetter) {
        String reason = DeadLetters.text(deadLetter, Topics.HEADER_REASON);
        if (reason == null || !reasons.contains(reason)) {
            return new Outcome(Verdict.FILTERED, null, reason);
        }
        MetricEventBatch batch;
        try {
            batch = decoder.decode(deadLetter.value());
        } catch (DecodeException e) {
            if (e.isTransient()) {
                throw new IllegalStateException("cannot decode dead letters: " + e.getMessage(), e);
            }
            return new Outcome(job == null ? Verdict.UNDECODABLE : Verdict.FILTERED, null, reason);
        }
        if (job != null && !job.equals(batch.getSource().getJob())) {
            return new Outcome(Verdict.FILTERED, null, reason);
        }
        if (deadLetter.timestamp() < oldestMs) {
            return new Outcome(Verdict.TOO_OLD, batch, reason);
        }
        return new Outcome(Verdict.REDRIVE, batch, reason);
    }
}
