package dev.mayfly.system;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static dev.mayfly.system.Requirements.require;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JavaScript client {@code clients/js} (npm {@code mayfly-metrics}) by its own test suite: {@code npm test}
 * starts {@code mayfly standalone} from the launcher's jar and runs Node's test runner on it, from Node and from a
 * Worker in Cloudflare's workerd (Miniflare). Passes when every one of those tests passed.
 */
class JsClientIT {
    private static final Path CLIENT = Path.of("..", "clients", "js").toAbsolutePath().normalize();
    private static final Path JAR = Path.of("..", "launcher", "target", "mayfly.jar").toAbsolutePath().normalize();
    private static final Pattern PASSED = Pattern.compile("(?m)^# pass [1-9]\\d*$");
    private static final Pattern NONE_FAILED = Pattern.compile("(?m)^# fail 0$");

    @Test
    void javascriptClientSuitePassesAgainstARealStandalone() throws Exception {
        require(run(300, "node", "--version").exitCode == 0 && run(300, "npm", "--version").exitCode == 0, "node and npm");
        assertThat(JAR).as("the launcher's jar, built before this module").exists();
        if (!Files.exists(CLIENT.resolve("node_modules/miniflare/package.json"))) {
            Result install = run(600, "npm", "ci", "--no-audit", "--no-fund");
            assertThat(install.exitCode).as("npm ci in %s:\n%s", CLIENT, install.output).isZero();
        }
        Result tests = run(600, "node", "test/run.js");
        assertThat(tests.exitCode).as("npm test in %s:\n%s", CLIENT, tests.output).isZero();
        assertThat(tests.output).as(tests.output).containsPattern(PASSED).containsPattern(NONE_FAILED);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(int timeoutSeconds, String... command) throws InterruptedException, IOException {
        Path log = Files.createTempFile("js-client", ".log");
        ProcessBuilder builder = new ProcessBuilder(List.of(command)).directory(CLIENT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("MAYFLY_")); // test/run.js starts its own Mayfly
        Process p;
        try {
            p = builder.start();
        } catch (IOException e) {
            return new Result(-1, e.toString());
        }
        boolean exited = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            p.destroy(); // SIGTERM: test/run.js stops the standalone it started
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return new Result(exited ? p.exitValue() : -1, exited ? output : output + "\n(timed out after " + timeoutSeconds + " s)");
    }
}
