package dev.mayfly.streams.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The stable id a streams instance uses as its consumer group {@code group.instance.id} (static membership).
 *
 * <p>Why: a process killed with -9 leaves its member in the group. A dynamic member that restarts joins as a new
 * member, and the coordinator waits for the dead one's session to expire ({@code session.timeout.ms}, 45 s) before
 * it hands out the partitions; until then nothing is processed and every push waits. A static member that comes
 * back with the same instance id replaces its dead self at once and gets its tasks back without a rebalance.
 *
 * <p>Lifetime: generated on first start and kept in the state directory, next to the process id Kafka Streams keeps
 * there (which names the transactional ids, so the restarted producer fences the dead one and aborts its open
 * transaction at once). Both therefore live as long as the state directory: a restart on the same state directory is
 * the same instance; a copy of a state directory running at the same time as its original is a misconfiguration
 * Kafka Streams already rejects by fencing.
 */
public final class InstanceId {
    private InstanceId() {
    }

    /** {@code configured} when not blank; otherwise the id kept in {@code stateDir} for {@code applicationId}, created if absent. */
    public static String resolve(String configured, Path stateDir, String applicationId) {
        if (!configured.isBlank()) {
            return configured.strip();
        }
        Path file = stateDir.resolve(applicationId + ".instance-id");
        try {
            if (Files.exists(file)) {
                String kept = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!kept.isEmpty()) {
                    return kept;
                }
            }
            Files.createDirectories(stateDir);
            String fresh = applicationId + "-" + UUID.randomUUID();
            Path temp = Files.createTempFile(stateDir, applicationId, ".instance-id.tmp");
            Files.writeString(temp, fresh + "\n", StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            return fresh;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the streams instance id in " + file, e);
        }
    }
}
