package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.replay.ReplayNames;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.streams.MetricsTopology;
import dev.mayfly.streams.StreamsAppConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code mayfly replay}'s arguments: everything wrong with them is one line and exit 2, before any connection. */
class ReplayCommandTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Mayfly.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private void assertUsageError(String expected, String... args) {
        err.getBuffer().setLength(0);
        // localhost:1 has no broker: a check that connected first would fail with exit 1 after 15 s, not exit 2
        String[] all = new String[args.length + 3];
        all[0] = "replay";
        all[1] = "--bootstrap-servers";
        all[2] = "localhost:1";
        System.arraycopy(args, 0, all, 3, args.length);
        assertThat(run(all)).as(err.toString()).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).as(err.toString()).hasSize(1);
        assertThat(err.toString()).contains(expected);
    }

    @Test
    void badArgumentsFailOnOneLineBeforeConnecting() {
        assertUsageError("Missing required option: '--name=NAME'");
        assertUsageError("--name 'a.b' must be", "--name", "a.b");
        assertUsageError("--name '-x' must be", "--name=-x");
        assertUsageError("--name '" + "n".repeat(101) + "' must be", "--name", "n".repeat(101));
        assertUsageError("--from 'yesterday' is neither", "--name", "x", "--from", "yesterday");
        assertUsageError("must be before --to", "--name", "x", "--from", "1h", "--to", "2h");
        assertUsageError("--rules " + dir.resolve("none.yaml") + ": no such file", "--name", "x", "--rules", dir.resolve("none.yaml").toString());
        assertUsageError("--set topic.aggregates cannot be used with replay", "--name", "x", "--set", "topic.aggregates=mine");
        assertUsageError("--set application.id cannot be used with replay", "--name", "x", "--set", "application.id=mine");
        assertUsageError("unknown config key 'no.such.key'", "--name", "x", "--set", "no.such.key=1");
        assertUsageError("gives the replay a name the live pipeline uses (mayfly-aggregates-x)", "--name", "x",
                "--config", writeConfig("topic.aggregates=mayfly-aggregates-x\n"));
    }

    @Test
    void aBadRulesFileIsNamedBeforeConnecting() throws Exception {
        Path rules = dir.resolve("rules.yaml");
        java.nio.file.Files.writeString(rules, "rules:\n  - match: \"x\"\n    colour: blue\n");
        err.getBuffer().setLength(0);
        assertThat(run("replay", "--bootstrap-servers", "localhost:1", "--name", "x", "--rules", rules.toString()))
                .as(err.toString()).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("colour");
    }

    private String writeConfig(String text) {
        try {
            Path file = dir.resolve("mayfly.properties");
            java.nio.file.Files.writeString(file, text);
            return file.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void namesDeriveFromTheReplaysName() {
        ReplayNames names = ReplayNames.of("rules-v2_test");
        assertThat(names.applicationId()).isEqualTo("mayfly-replay-rules-v2_test");
        assertThat(names.aggregatesTopic()).isEqualTo("mayfly-aggregates-rules-v2_test");
        assertThat(names.deadLetterTopic()).isEqualTo("mayfly-dead-letter-rules-v2_test");
        assertThat(names.seriesUpdatesTopic()).isEqualTo("mayfly-replay-rules-v2_test-series-updates-repartition");
        for (String bad : List.of("", "a b", "a.b", "_a", "é", "a/b")) {
            assertThatThrownBy(() -> ReplayNames.of(bad)).isInstanceOf(ConfigException.class);
        }
    }

    @Test
    void internalTopicsAreTheTopologysExactNamesSoAnotherReplaysAreNeverIncluded() {
        StreamsAppConfig config = StreamsAppConfig.from(Map.of("application.id", "mayfly-replay-a",
                "state.dir", dir.toString()));
        var topics = ReplayNames.of("a").internalTopics(MetricsTopology.build(config));
        assertThat(topics).contains("mayfly-replay-a-series-updates-repartition", "mayfly-replay-a-event-ids-changelog",
                "mayfly-replay-a-series-changelog", "mayfly-replay-a-windows-changelog");
        assertThat(topics).allMatch(t -> t.startsWith("mayfly-replay-a-"));
        assertThat(ReplayNames.of("a-b").internalTopics(MetricsTopology.build(config))).doesNotContainAnyElementsOf(topics);
    }
}
