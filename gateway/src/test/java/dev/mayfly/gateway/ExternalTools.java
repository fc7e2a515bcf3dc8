package dev.mayfly.gateway;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs real client libraries in other languages; a missing tool fails the test under CI and skips it elsewhere. */
final class ExternalTools {
    static final String PYTHON = "/usr/bin/python3";

    private ExternalTools() {
    }

    static void require(boolean available, String what) {
        if (!available) {
            if (System.getenv("CI") != null) {
                Assertions.fail(what + " is missing, and CI is set");
            }
            Assumptions.abort(what + " is missing; skipping (set CI to make this a failure)");
        }
    }

    record Result(int exitCode, String output) {
    }

    static Result run(Path workDir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + new String(out, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static boolean works(String... command) {
        try {
            return run(null, 30, command).exitCode() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static List<String> args(String... a) {
        return new ArrayList<>(List.of(a));
    }
}
