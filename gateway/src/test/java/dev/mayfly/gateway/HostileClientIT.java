package dev.mayfly.gateway;

import dev.mayfly.schemas.avro.MetricEventBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What careless and hostile clients do to the push path, on the real server and a real broker: nothing they do
 * freezes other pushes, and nothing they send is acknowledged unless it is written whole.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileClientIT {
    private static final int LIMIT = 1024 * 1024;
    GatewayHarness h;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        h = new GatewayHarness(dir, Map.of("push.max.body.bytes", String.valueOf(LIMIT)));
    }

    @AfterAll
    void stop() {
        h.close();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", h.server.port());
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    private static String readToEnd(Socket socket) throws IOException {
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void stalledUploadsDoNotHoldUpOtherPushes() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) { // three times the handler threads
                Socket s = connect();
                send(s, "PUT /metrics/job/stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + "# x\n".repeat(17_500));
                stalled.add(s);
            }
            HttpResponse<String> push = h.pushText("POST", "/metrics/job/alive", "alive_total 1\n");
            assertThat(push.statusCode()).as(push.body()).isEqualTo(200);
            assertThat(h.read(1).get(0).getSource().getJob()).isEqualTo("alive");
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void aMalformedChunkIs400AndWritesNothing() throws Exception {
        for (String chunks : new String[]{
                "e\r\nfirst_total 1\n\r\nzz\r\nsecond_total 1\n\r\n0\r\n\r\n",
                "zz\r\nfirst_total 1\n\r\n0\r\n\r\n",
                "e;x=\u0001\r\nfirst_total 1\n\r\n0\r\n\r\n"}) {
            try (Socket socket = connect()) {
                send(socket, "PUT /metrics/job/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks);
                assertThat(readToEnd(socket)).as(chunks).startsWith("HTTP/1.1 400");
            }
        }
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void pythonsUrllibSendingAHugeBodyReadsThe413() throws Exception {
        String script = """
                import sys, urllib.request, urllib.error
                req = urllib.request.Request(sys.argv[1], data=b"# padding\\n" * (6_400_000), method="PUT")
                try:
                    urllib.request.urlopen(req, timeout=60)
                    print("status 200")
                except urllib.error.HTTPError as e:
                    print("status", e.code, e.read().decode().strip())
                """;
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", script, h.url("/metrics/job/huge"))
                .redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("status 413 request body is larger than " + LIMIT + " bytes");
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void continueOnlyWithinTheLimit() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "PUT /metrics/job/big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 50000000\r\n\r\n");
            assertThat(readToEnd(socket)).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
        }
        try (Socket socket = connect()) {
            send(socket, "PUT /metrics/job/small HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 15\r\n\r\n");
            byte[] interim = socket.getInputStream().readNBytes(25);
            assertThat(new String(interim, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 100 Continue");
            send(socket, "small_total 1\n\n");
            socket.shutdownOutput();
            assertThat(readToEnd(socket)).contains("HTTP/1.1 200");
        }
        assertThat(h.read(1).get(0).getSource().getJob()).isEqualTo("small");
        h.assertNothingWrittenSinceLastRead();
    }

    @Test
    void aHalfClosedPushIsAnsweredAndWrittenOnce() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "PUT /metrics/job/half HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\nhalf_total 1\n");
            socket.shutdownOutput();
            assertThat(readToEnd(socket)).startsWith("HTTP/1.1 200");
        }
        List<MetricEventBatch> written = h.read(1);
        assertThat(written.get(0).getSource().getJob()).isEqualTo("half");
        h.assertNothingWrittenSinceLastRead();
    }
}
