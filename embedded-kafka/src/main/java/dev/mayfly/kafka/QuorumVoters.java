package dev.mayfly.kafka;

import org.apache.kafka.common.Uuid;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/** A KRaft controller quorum as Kafka's {@code controller.quorum.voters} writes it: {@code id@host:port,...}. */
final class QuorumVoters {
    record Voter(String host, int port) {
    }

    private final Map<Integer, Voter> voters;

    private QuorumVoters(Map<Integer, Voter> voters) {
        this.voters = voters;
    }

    /** @throws IllegalArgumentException naming the malformed entry */
    static QuorumVoters parse(String text) {
        Map<Integer, Voter> voters = new TreeMap<>();
        for (String entry : text.split(",")) {
            String e = entry.trim();
            int at = e.indexOf('@');
            int colon = e.lastIndexOf(':');
            if (at < 1 || colon < at + 2 || colon == e.length() - 1) {
                throw new IllegalArgumentException("controller quorum voter '" + e + "' is not ID@HOST:PORT");
            }
            try {
                int id = Integer.parseInt(e.substring(0, at));
                int port = Integer.parseInt(e.substring(colon + 1));
                if (id < 0 || port < 1 || port > 65535 || voters.put(id, new Voter(e.substring(at + 1, colon), port)) != null) {
                    throw new IllegalArgumentException("controller quorum voter '" + e + "' has a bad or repeated id, or a bad port");
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("controller quorum voter '" + e + "' is not ID@HOST:PORT");
            }
        }
        return new QuorumVoters(voters);
    }

    /** @throws IllegalArgumentException if {@code nodeId} is not a voter */
    Voter voter(int nodeId) {
        Voter v = voters.get(nodeId);
        if (v == null) {
            throw new IllegalArgumentException("node id " + nodeId + " is not among the controller quorum voters " + this);
        }
        return v;
    }

    int size() {
        return voters.size();
    }

    /**
     * The same for every node given the same voters, so each formats its log directory into one cluster. The top bit
     * is clear so the id's text does not start with '-' (which the storage tool would read as an option).
     */
    Uuid clusterId() {
        UUID u = UUID.nameUUIDFromBytes(toString().getBytes(StandardCharsets.UTF_8));
        return new Uuid(u.getMostSignificantBits() & Long.MAX_VALUE, u.getLeastSignificantBits());
    }

    @Override
    public String toString() {
        return voters.entrySet().stream().map(e -> e.getKey() + "@" + e.getValue().host() + ":" + e.getValue().port())
                .collect(Collectors.joining(","));
    }
}
