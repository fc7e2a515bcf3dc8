package dev.mayfly.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server on loopback, driven by raw sockets and the JDK's HTTP client. */
class NettyHttpServerTest {
    private final ExecutorService handlers = Executors.newFixedThreadPool(4);
    private final HttpClient client = HttpClient.newHttpClient();
    private NettyHttpServer server;

    @BeforeEach
    void start() {
        server = NettyHttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0, null);
        server.setExecutor(handlers);
        server.createContext("/echo", NettyHttpServerTest::echo);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        handlers.shutdownNow();
    }

    /** Answers "METHOD PATH LENGTH SHA-256" of the request body. */
    private static void echo(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String answer = exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath() + " " + body.length + " " + sha256(body);
        reply(exchange, 200, answer);
    }

    private static void reply(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private HttpResponse<String> post(String path, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersRequestsOnOneConnectionInOrderIncludingPipelinedOnes() throws Exception {
        // the first request's handler is the slowest: its answer must still come first
        server.createContext("/slow", exchange -> {
            sleep(200);
            reply(exchange, 200, "slow");
        });
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            String requests = "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                    + "POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nxy"
                    + "GET /echo/b HTTP/1.1\r\nHost: x\r\n\r\n";
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(5000);
            List<String> bodies = readResponses(socket.getInputStream(), 3);
            assertThat(bodies).containsExactly("slow", "POST /echo/a 2 " + sha256("xy".getBytes(StandardCharsets.US_ASCII)),
                    "GET /echo/b 0 " + sha256(new byte[0]));
        }
    }

    @Test
    void largeRequestBodiesStreamToTheHandlerWhole() throws Exception {
        byte[] body = new byte[5 * 1024 * 1024 + 17];
        new Random(7).nextBytes(body);
        HttpResponse<String> response = post("/echo/big", body);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("POST /echo/big " + body.length + " " + sha256(body));
    }

    @Test
    void anExchangeCanBeAnsweredFromAnotherThreadAfterTheHandlerReturned() throws Exception {
        server.createContext("/later", exchange -> CompletableFuture.runAsync(() -> {
            sleep(100);
            try {
                reply(exchange, 202, "done later");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        HttpResponse<String> response = post("/later", new byte[0]);
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).isEqualTo("done later");
    }

    @Test
    void aLargeResponseIsSentInChunksAndTheWriterWaitsForASlowReader() throws Exception {
        int total = 32 * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(1);
        server.createContext("/big", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] block = new byte[8192];
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < total / block.length; i++) {
                    java.util.Arrays.fill(block, (byte) i);
                    out.write(block);
                    written.addAndGet(block.length);
                }
            }
            finished.countDown();
        });
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            // not reading: the writer must stop long before it has written everything
            assertThat(finished.await(1, TimeUnit.SECONDS)).as("handler finished with no reader").isFalse();
            assertThat(written.get()).isLessThan(total / 4);
            socket.setSoTimeout(10_000);
            byte[] body = readChunkedBody(socket.getInputStream());
            assertThat(body).hasSize(total);
            for (int i = 0; i < total; i += 8192) {
                assertThat(body[i]).isEqualTo((byte) (i / 8192));
            }
            assertThat(finished.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aHandlerThatIgnoresTheBodyLeavesTheConnectionUsable() throws Exception {
        server.createContext("/ignore", exchange -> reply(exchange, 200, "ignored"));
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(5000);
            String body = "x".repeat(200_000);
            socket.getOutputStream().write(("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                    + "GET /echo/after HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponses(socket.getInputStream(), 2))
                    .containsExactly("ignored", "GET /echo/after 0 " + sha256(new byte[0]));
        }
    }

    @Test
    void aLargeBodyTheHandlerDoesNotReadDoesNotStallTheConnection() throws Exception {
        // answered without reading, only the response stream closed (ServiceHost's /-/ready, the gateway's 401 and 413)
        server.createContext("/ignore", exchange -> reply(exchange, 200, "ignored"));
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(5000);
            String body = "x".repeat(2_000_000);
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> write(socket, "POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body + "GET /echo/after HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertThat(readResponses(socket.getInputStream(), 2))
                    .containsExactly("ignored", "GET /echo/after 0 " + sha256(new byte[0]));
            sent.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPipelinedBodyThatArrivedWhileTheConnectionWaitedIsReadToTheEnd() throws Exception {
        server.createContext("/slow", exchange -> {
            sleep(600);
            reply(exchange, 200, "slow");
        });
        byte[] body = new byte[400_000];
        new Random(3).nextBytes(body);
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(5000);
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo/p HTTP/1.1\r\nHost: x\r\nContent-Length: "
                            + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    // small pieces while the first request is answered: many queued parts, but under the body's pause limit
                    for (int off = 0; off < body.length; off += 2000) {
                        out.write(body, off, Math.min(2000, body.length - off));
                        out.flush();
                        if (off < 200_000) {
                            sleep(2);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertThat(readResponses(socket.getInputStream(), 2)).containsExactly("slow", "POST /echo/p " + body.length + " " + sha256(body));
            sent.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aResponseOfUnknownLengthToAnHttp10ClientIsNotChunkedAndEndsWithTheConnection() throws Exception {
        byte[] big = new byte[200_000];
        new Random(5).nextBytes(big);
        server.createContext("/stream", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(big);
            }
        });
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /stream HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.0 200");
            assertThat(header(head, "transfer-encoding")).isNull();
            assertThat(in.readAllBytes()).isEqualTo(big); // ends at the close
        }
    }

    @Test
    void aResponseShorterThanItsContentLengthClosesTheConnectionAndALongerOneIsRefused() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> tooMany = new java.util.concurrent.atomic.AtomicReference<>();
        server.createContext("/short", exchange -> {
            exchange.sendResponseHeaders(200, 200_000);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(new byte[100_000]);
            }
        });
        server.createContext("/long", exchange -> {
            exchange.sendResponseHeaders(200, 100_000);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(new byte[100_000]);
                out.write(new byte[1]);
            } catch (IOException e) {
                tooMany.set(e);
                throw e;
            }
        });
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /short HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(header(readHead(in), "content-length")).isEqualTo("200000");
            assertThat(in.readAllBytes()).hasSizeLessThan(200_000); // the end of the stream, not a wait for bytes that never come
        }
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /long HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(header(readHead(in), "content-length")).isEqualTo("100000");
            assertThat(in.readNBytes(100_000)).hasSize(100_000);
            // the next response on the connection starts right after the declared length
            socket.getOutputStream().write("GET /echo/next HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponses(in, 1)).containsExactly("GET /echo/next 0 " + sha256(new byte[0]));
            assertThat(tooMany.get()).hasMessageContaining("too many bytes");
        }
    }

    private static void write(Socket socket, String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void unknownPathsGet404AndUnparsableRequests400() throws Exception {
        HttpResponse<String> missing = client.send(HttpRequest.newBuilder(uri("/nothing")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        try (Socket socket = new Socket("127.0.0.1", server.getAddress().getPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400");
        }
    }

    @Test
    void aHandlerThatThrowsGets500AndFiltersRunBeforeHandlers() throws Exception {
        server.createContext("/fails", exchange -> {
            throw new IllegalStateException("boom");
        });
        var guarded = server.createContext("/guarded", exchange -> reply(exchange, 200, "inside"));
        guarded.getFilters().add(new Filter() {
            @Override
            public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
                if (exchange.getRequestHeaders().getFirst("X-Pass") == null) {
                    reply(exchange, 403, "no pass");
                } else {
                    chain.doFilter(exchange);
                }
            }

            @Override
            public String description() {
                return "pass check";
            }
        });
        assertThat(post("/fails", new byte[0]).statusCode()).isEqualTo(500);
        assertThat(post("/guarded", new byte[0]).statusCode()).isEqualTo(403);
        HttpResponse<String> passed = client.send(HttpRequest.newBuilder(uri("/guarded")).header("X-Pass", "1").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(passed.body()).isEqualTo("inside");
    }

    @Test
    void headAndNoBodyResponsesCarryNoBody() throws Exception {
        server.createContext("/empty", exchange -> {
            exchange.getResponseHeaders().set("X-Answer", "yes");
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/empty")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.headers().firstValue("X-Answer")).contains("yes");
        assertThat(response.body()).isEmpty();
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(uri("/echo/h")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void stopAnswersExchangesUnderWayBeforeClosing() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        server.createContext("/finishing", exchange -> {
            entered.countDown();
            sleep(300);
            reply(exchange, 200, "finished");
        });
        CompletableFuture<HttpResponse<String>> response = client.sendAsync(HttpRequest.newBuilder(uri("/finishing")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        server.stop(5);
        assertThat(response.get(5, TimeUnit.SECONDS).body()).isEqualTo("finished");
    }

    @Test
    void aPortInUseIsABindException() {
        NettyHttpServer second = NettyHttpServer.create(server.getAddress(), 0, null);
        assertThatThrownBy(second::start).isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(BindException.class);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads {@code count} fixed-length responses and returns their bodies. */
    private static List<String> readResponses(InputStream in, int count) throws IOException {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200");
            int length = Integer.parseInt(header(head, "content-length"));
            bodies.add(new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    private static byte[] readChunkedBody(InputStream in) throws IOException {
        String head = readHead(in);
        assertThat(header(head, "transfer-encoding")).isEqualTo("chunked");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int size = Integer.parseInt(readLine(in).trim(), 16);
            if (size == 0) {
                readLine(in);
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            readLine(in);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            head.append(line).append('\n');
        }
        return head.toString();
    }

    private static String header(String head, String name) {
        for (String line : head.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
