package dev.mayfly.launcher.internal.replay;

import dev.mayfly.schemas.config.ConfigException;

import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The Kafka names of a replay called {@code name}: its application id (consumer group and prefix of Kafka Streams'
 * internal topics), its aggregates topic and its dead-letter topic. One home for the naming rule.
 */
public record ReplayNames(String name, String applicationId, String aggregatesTopic, String deadLetterTopic) {
    /** Letters, digits, '-' and '_' (no '.', which Kafka's metric names confuse with '_'); internal topic names stay under 249 characters. */
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,99}");

    /**
     * The names of the replay {@code name}.
     *
     * @throws ConfigException when {@code name} cannot be part of a topic name and an application id
     */
    public static ReplayNames of(String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new ConfigException("--name '" + name + "' must be 1 to 100 letters, digits, '-' or '_', starting with a"
                    + " letter or digit (it becomes part of topic names and of the application id)");
        }
        return new ReplayNames(name, "mayfly-replay-" + name, "mayfly-aggregates-" + name, "mayfly-dead-letter-" + name);
    }

    /** The repartition topic between the ingest and aggregate steps ({@code MetricsTopology} names it). */
    public String seriesUpdatesTopic() {
        return applicationId + "-series-updates-repartition";
    }

    /**
     * The internal topics Kafka Streams creates for this replay running {@code topology}: a changelog per state store
     * and the repartition topics, named {@code <application id>-<store>-changelog} and
     * {@code <application id>-<name>-repartition}. Exact names, never a prefix: the replay {@code a-b}'s topics also
     * start with {@code mayfly-replay-a-}.
     */
    public Set<String> internalTopics(Topology topology) {
        Set<String> out = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Processor p) {
                    p.stores().forEach(store -> out.add(applicationId + "-" + store + "-changelog"));
                } else if (node instanceof TopologyDescription.Sink sink && sink.topic() != null
                        && sink.topic().endsWith("-repartition")) {
                    out.add(applicationId + "-" + sink.topic());
                }
            }
        }
        return out;
    }
}
