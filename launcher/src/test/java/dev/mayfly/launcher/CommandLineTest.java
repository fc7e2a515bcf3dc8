package dev.mayfly.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CommandLineTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Mayfly.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpListsEverySubcommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("standalone", "broker", "streams", "exporter", "gateway");
    }

    @Test
    void unknownFlagFailsWithOneLineNamingIt() {
        assertThat(run("standalone", "--http-prot", "9091")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("--http-prot");
    }

    @Test
    void malformedFlagValueFailsWithOneLineNamingIt() {
        assertThat(run("standalone", "--http-port", "ninety")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("--http-port").contains("ninety");
    }

    @Test
    void unknownConfigKeyFailsBeforeAnythingStarts() {
        int code = run("standalone", "--data-dir", dir.toString(), "--set", "no.such.key=1");
        assertThat(code).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("unknown config key 'no.such.key'");
        assertThat(dir.resolve("kafka")).doesNotExist();
    }

    @Test
    void portsOutOfRangeAndABindAddressThatDoesNotResolveFailBeforeAnythingStarts() {
        assertThat(run("standalone", "--data-dir", dir.toString(), "--kafka-port", "70000")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString()).contains("--kafka-port must be between 1 and 65535, got 70000");
        assertThat(run("standalone", "--data-dir", dir.toString(), "--http-port", "-1")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString()).contains("--http-port must be between 0 and 65535, got -1");
        assertThat(run("standalone", "--data-dir", dir.toString(), "--bind", "nosuchhost.invalid")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString()).contains("--bind nosuchhost.invalid: no such address");
        assertThat(run("standalone", "--data-dir", dir.toString(), "--bind", "192.0.2.1")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString()).contains("--bind 192.0.2.1: 192.0.2.1 is not an address of this machine");
        assertThat(run("standalone", "--data-dir", dir.toString(), "--http-port", "23593", "--kafka-port", "23593")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString()).contains("--http-port and --kafka-port are both 23593");
        assertThat(err.toString().strip().lines()).hasSize(5);
        assertThat(dir.resolve("kafka")).doesNotExist();
    }

    @Test
    void aRetentionThatIsNotPositiveFailsBeforeAnythingStarts() {
        assertThat(run("standalone", "--data-dir", dir.toString(), "--set", "topic.events.retention=0d")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("'topic.events.retention' must be positive");
        assertThat(dir.resolve("kafka")).doesNotExist();
    }

    @Test
    void helpListsTheEventsCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("events");
    }

    @Test
    void unknownKeyInConfigFileIsNamed() throws Exception {
        Path file = dir.resolve("mayfly.properties");
        Files.writeString(file, "bootstrap.servers=localhost:1\nexporter.bogus=3\n");
        assertThat(run("exporter", "--config", file.toString())).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("'exporter.bogus'");
    }

    @Test
    void missingConfigFileIsNamed() {
        assertThat(run("gateway", "--config", dir.resolve("nope.properties").toString())).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString()).contains("nope.properties");
    }

    @Test
    void malformedQuorumVotersFailBeforeTheBrokerStarts() {
        assertThat(run("broker", "--data-dir", dir.toString(), "--controller-quorum-voters", "1@localhost")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("'1@localhost'");
        assertThat(dir.resolve("kafka")).doesNotExist();
    }

    @Test
    void aNodeIdOutsideTheQuorumIsNamed() {
        assertThat(run("broker", "--data-dir", dir.toString(), "--node-id", "4",
                "--controller-quorum-voters", "1@localhost:9093,2@localhost:9094,3@localhost:9095")).isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("node id 4");
        assertThat(dir.resolve("kafka")).doesNotExist();
    }

    @Test
    void minInsyncReplicasAboveTheReplicationFactorIsRejected() {
        assertThat(run("streams", "--bootstrap-servers", "localhost:1", "--replication-factor", "3", "--min-insync-replicas", "4"))
                .isEqualTo(Mayfly.EXIT_USAGE);
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("--min-insync-replicas");
    }
}
