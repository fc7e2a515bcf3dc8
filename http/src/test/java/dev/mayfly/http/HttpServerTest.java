package dev.mayfly.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server against raw sockets: what well-behaved, careless and hostile clients get. */
class HttpServerTest {
    private static final int LIMIT = 64 * 1024;
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
    }

    /** A server whose {@code /echo} answers the path, the method and the body's length; {@code /} 404s. */
    private HttpServer start(HttpServerOptions options, Route... extra) {
        server = HttpServer.create(options.withAddress("127.0.0.1", 0));
        server.route(new Route("/echo", (request, response) -> {
            byte[] body = request.body().readAllBytes();
            handled.add(request.method() + " " + request.path() + " " + body.length);
            response.sendText(200, request.method() + " " + request.path() + " " + body.length);
        }, LIMIT, null, null, null));
        for (Route r : extra) {
            server.route(r);
        }
        return server.start();
    }

    private HttpServer start() {
        return start(HttpServerOptions.defaults().withHandlerThreads(2));
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(15_000);
        return socket;
    }

    /** A connection from another loopback address: another client as far as the server can tell. */
    private Socket connectFrom(String loopbackAddress) throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port(), InetAddress.getByName(loopbackAddress), 0);
        socket.setSoTimeout(15_000);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Everything the server sends until it closes the connection. */
    private static String readToEnd(Socket socket) throws IOException {
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /** The status line and headers of a response, up to and with the blank line. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** One response with a Content-Length body. */
    private static String readResponse(InputStream in) throws IOException {
        String headers = readHead(in);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return headers + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstIsAnsweredLater() throws Exception {
        start(HttpServerOptions.defaults(), Route.of("/slow", (request, response) ->
                CompletableFuture.runAsync(() -> response.sendText(200, "slow"), CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS))));
        try (Socket socket = connect()) {
            send(socket, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /echo/b HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = socket.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("slow\n");
            assertThat(readResponse(in)).endsWith("POST /echo/a 3\n");
            assertThat(readResponse(in)).endsWith("GET /echo/b 0\n");
        }
    }

    @Test
    void requestsTheRouteTakesInlineRunOnTheEventLoopInOrderAndTheOthersOnThePool() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        RequestHandler handler = (request, response) -> {
            seen.add(request.path() + " " + request.isInline() + " " + Thread.currentThread().getName().startsWith("mayfly-http-io"));
            if (request.path().endsWith("/later")) { // answered later from another thread, as a push is once Kafka acknowledged it
                CompletableFuture.runAsync(() -> response.sendText(200, request.path()), CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS));
            } else {
                response.sendText(200, request.path() + " " + request.body().readAllBytes().length);
            }
        };
        start(HttpServerOptions.defaults(),
                Route.of("/fast", handler).inlineWhen(r -> r.bodyLength() < 10),
                Route.of("/broken", handler).inlineWhen(r -> {
                    throw new IllegalStateException("predicate fails");
                }),
                Route.of("/filtered", handler).inlineWhen(r -> true).filtered((request, response) -> true));
        try (Socket socket = connect()) {
            // pipelined: an inline request answered later, then inline ones answered at once, one on the pool between them
            send(socket, "GET /fast/later HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /fast/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                    + "POST /fast/big HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nabcdefghijkl"
                    + "GET /fast/b HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /broken HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /filtered HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = socket.getInputStream();
            assertThat(readResponse(in)).endsWith("/fast/later\n");
            assertThat(readResponse(in)).endsWith("/fast/a 3\n");
            assertThat(readResponse(in)).endsWith("/fast/big 12\n");
            assertThat(readResponse(in)).endsWith("/fast/b 0\n");
            assertThat(readResponse(in)).endsWith("/broken 0\n");
            assertThat(readResponse(in)).endsWith("/filtered 0\n");
        }
        assertThat(seen).containsExactly("/fast/later true true", "/fast/a true true", "/fast/big false false",
                "/fast/b true true", "/broken false false", "/filtered false false");
    }

    @Test
    void stalledUploadsHoldNoHandlerThreadAndTimeOutWith408() throws Exception {
        start(HttpServerOptions.defaults().withHandlerThreads(2)
                .withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(2), Duration.ofSeconds(60)));
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) { // ten times the handler threads
                Socket s = connect();
                send(s, "PUT /echo/stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n" + "x".repeat(30_000));
                stalled.add(s);
            }
            try (Socket socket = connect()) {
                send(socket, "GET /echo/alive HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200").endsWith("GET /echo/alive 0\n");
            }
            for (Socket s : stalled) {
                assertThat(readToEnd(s)).startsWith("HTTP/1.1 408").contains("request not received whole within 2 s");
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        assertThat(handled).containsExactly("GET /echo/alive 0");
    }

    @Test
    void aClientTricklingHeaderBytesTimesOutWith408WhileAnIdleKeptAliveConnectionDoesNot() throws Exception {
        start(HttpServerOptions.defaults().withHandlerThreads(2)
                .withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(2), Duration.ofSeconds(60)));
        try (Socket trickling = connect(); Socket keptAlive = connect()) {
            send(keptAlive, "GET /echo/first HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(keptAlive.getInputStream())).startsWith("HTTP/1.1 200");
            send(trickling, "PUT /echo/slow HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            Thread trickler = new Thread(() -> {
                try {
                    for (int i = 0; i < 40; i++) { // one header byte every 250 ms: never idle, never a whole head
                        Thread.sleep(250);
                        send(trickling, "a");
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server closed the connection: the point of the test
                }
            });
            trickler.start();
            assertThat(readToEnd(trickling)).startsWith("HTTP/1.1 408").contains("request not received whole within 2 s");
            trickler.interrupt();
            trickler.join();
            // the kept-alive connection has been quiet longer than the request timeout: it still takes a request
            send(keptAlive, "GET /echo/second HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(keptAlive.getInputStream())).startsWith("HTTP/1.1 200").endsWith("GET /echo/second 0\n");
        }
        assertThat(handled).containsExactly("GET /echo/first 0", "GET /echo/second 0");
    }

    @Test
    void aMalformedChunkAnywhereIs400AndNothingReachesTheHandler() throws Exception {
        start();
        String[] bodies = {
                "5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n", // a bad chunk size after a good chunk
                "zz\r\nhello\r\n0\r\n\r\n",               // a bad first chunk size
                "5;ext=\u0001\r\nhello\r\n0\r\n\r\n",     // a control byte in a chunk extension
        };
        for (String body : bodies) {
            try (Socket socket = connect()) {
                send(socket, "PUT /echo/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
                assertThat(readToEnd(socket)).as(body).startsWith("HTTP/1.1 400").contains("malformed request body");
            }
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void aTransferCodingOtherThanChunkedIsRefusedAndNothingReachesTheHandler() throws Exception {
        start();
        try (Socket socket = connect()) {
            send(socket, "PUT /echo/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nhello");
            assertThat(readToEnd(socket)).as("no final chunked: the length is unknown").startsWith("HTTP/1.1 400")
                    .contains("The final transfer coding must be chunked");
        }
        try (Socket socket = connect()) {
            send(socket, "PUT /echo/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            assertThat(readToEnd(socket)).startsWith("HTTP/1.1 400").contains("chunked transfer coding must not be applied more than once");
        }
        for (String coding : new String[]{"gzip, chunked", "GZIP,chunked"}) {
            try (Socket socket = connect()) {
                send(socket, "PUT /echo/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
                assertThat(readToEnd(socket)).as(coding).startsWith("HTTP/1.1 501").contains("unsupported Transfer-Encoding: " + coding);
            }
        }
        try (Socket socket = connect()) {
            send(socket, "PUT /echo/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            assertThat(readToEnd(socket)).as("two header lines").startsWith("HTTP/1.1 501").contains("unsupported Transfer-Encoding: gzip, chunked");
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void aBadRequestLineOrHeaderIs400() throws Exception {
        start();
        for (String request : new String[]{"NOT HTTP AT ALL\r\n\r\n", "GET /echo HTTP/1.1\r\nBad Header Line\r\n\r\n",
                "GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"}) {
            try (Socket socket = connect()) {
                send(socket, request);
                assertThat(readToEnd(socket)).as(request).startsWith("HTTP/1.1 400");
            }
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void anOversizedBodyGets413EvenByAClientThatSendsEverythingBeforeReading() throws Exception {
        start();
        byte[] body = new byte[8 * 1024 * 1024];
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /echo/big HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body); // all of it, as Python's urllib does, before reading anything
            out.flush();
            assertThat(readToEnd(socket)).startsWith("HTTP/1.1 413").contains("request body is larger than " + LIMIT + " bytes");
        }
        // chunked, so the length is only known while reading
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("PUT /echo/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            for (int i = 0; i < 40; i++) {
                out.write(("4000\r\n" + "y".repeat(0x4000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readToEnd(socket)).startsWith("HTTP/1.1 413");
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void continueIsSentOnlyForBodiesWithinTheLimit() throws Exception {
        start();
        try (Socket socket = connect()) {
            send(socket, "PUT /echo/big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 50000000\r\n\r\n");
            String answer = readToEnd(socket);
            assertThat(answer).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
        }
        try (Socket socket = connect()) {
            send(socket, "PUT /echo/small HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            InputStream in = socket.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 100 Continue");
            send(socket, "hello");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("PUT /echo/small 5\n");
        }
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestGetsItsAnswer() throws Exception {
        start();
        try (Socket socket = connect()) {
            send(socket, "PUT /echo/half HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
            socket.shutdownOutput();
            assertThat(readToEnd(socket)).startsWith("HTTP/1.1 200").endsWith("PUT /echo/half 4\n");
        }
        // half-closed in the middle of a body: refused, never handled
        try (Socket socket = connect()) {
            send(socket, "PUT /echo/cut HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\nonly part");
            socket.shutdownOutput();
            assertThat(readToEnd(socket)).startsWith("HTTP/1.1 400");
        }
        assertThat(handled).containsExactly("PUT /echo/half 4");
    }

    @Test
    void aConnectionPastTheLimitTakesThePlaceOfTheOneIdleLongest() throws Exception {
        start(HttpServerOptions.defaults().withLimits(2, 1 << 20));
        try (Socket a = connect(); Socket b = connect()) {
            send(a, "GET /echo/a HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(a.getInputStream())).startsWith("HTTP/1.1 200");
            Thread.sleep(300);
            send(b, "GET /echo/b HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(b.getInputStream())).startsWith("HTTP/1.1 200");
            Thread.sleep(1_200); // both idle over a second, a the longer
            try (Socket c = connect()) {
                send(c, "GET /echo/c HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(readResponse(c.getInputStream())).startsWith("HTTP/1.1 200").endsWith("GET /echo/c 0\n");
            }
            assertThat(a.getInputStream().read()).as("the connection idle longest was closed").isEqualTo(-1);
            ConnectionCounts counts = server.connectionCounts();
            assertThat(counts.evicted()).as("counted for the operators").isEqualTo(1);
            assertThat(counts.refusedAtLimit() + counts.refusedAtClientShare()).isZero();
            assertThat(counts.open()).as("b, and c until its close is counted").isBetween(1L, 2L);
            send(b, "GET /echo/b2 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(b.getInputStream())).startsWith("HTTP/1.1 200").endsWith("GET /echo/b2 0\n");
        }
        assertThat(handled).containsExactly("GET /echo/a 0", "GET /echo/b 0", "GET /echo/c 0", "GET /echo/b2 0");
    }

    @Test
    void connectionsPastTheLimitGet503WhenEveryOneHasARequestUnderWay() throws Exception {
        start(HttpServerOptions.defaults().withLimits(2, 1 << 20));
        // three client addresses, each within its share: the server-wide limit binds
        try (Socket a = connectFrom("127.0.0.2"); Socket b = connectFrom("127.0.0.3")) {
            send(a, "GET /echo/a HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(a.getInputStream())).startsWith("HTTP/1.1 200");
            send(a, "PUT /echo/a2 HTTP/1.1\r\nHost: x\r\nX-Slow: 1"); // a request head still arriving
            send(b, "PUT /echo/b HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345"); // a body still arriving
            Thread.sleep(1_500); // both quiet for longer than a connection must be idle to make room
            try (Socket c = connectFrom("127.0.0.4")) {
                assertThat(readToEnd(c)).startsWith("HTTP/1.1 503").contains("too many connections").doesNotContain("client address");
            }
            assertThat(server.connectionCounts().refusedAtLimit()).isEqualTo(1);
            assertThat(server.connectionCounts().evicted()).isZero();
            send(b, "67890");
            assertThat(readResponse(b.getInputStream())).startsWith("HTTP/1.1 200").endsWith("PUT /echo/b 10\n");
        }
        // once one closes, a new one is admitted
        AtomicReference<String> answer = new AtomicReference<>();
        for (int attempt = 0; attempt < 50 && answer.get() == null; attempt++) {
            try (Socket d = connect()) {
                send(d, "GET /echo/d HTTP/1.1\r\nHost: x\r\n\r\n");
                String r = readResponse(d.getInputStream());
                if (r.startsWith("HTTP/1.1 200")) {
                    answer.set(r);
                }
            } catch (IOException e) {
                Thread.sleep(50); // the closes above are still being counted
            }
        }
        assertThat(answer.get()).endsWith("GET /echo/d 0\n");
    }

    @Test
    void oneClientHoldingConnectionsWithRequestsTrickledCannotTakeThemAll() throws Exception {
        start(HttpServerOptions.defaults().withLimits(8, 1 << 20).withConnectionsPerClient(2));
        try (Socket a = connectFrom("127.0.0.2"); Socket b = connectFrom("127.0.0.2")) {
            send(a, "PUT /echo/a HTTP/1.1\r\nHost: x\r\nX-Slow: 1"); // request heads still arriving
            send(b, "PUT /echo/b HTTP/1.1\r\nHost: x\r\nX-Slow: 1");
            Thread.sleep(1_500);
            try (Socket third = connectFrom("127.0.0.2")) {
                assertThat(readToEnd(third)).startsWith("HTTP/1.1 503").contains("too many connections from this client address");
            }
            assertThat(server.connectionCounts().refusedAtClientShare()).isEqualTo(1);
            assertThat(server.connectionCounts().refusedAtLimit()).isZero();
            try (Socket other = connectFrom("127.0.0.3")) { // another client still gets in
                send(other, "GET /echo/other HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(readResponse(other.getInputStream())).startsWith("HTTP/1.1 200").endsWith("GET /echo/other 0\n");
            }
        }
        // a client at its share whose connections are idle: a new one takes the place of its own idle longest
        try (Socket idle1 = connectFrom("127.0.0.4"); Socket idle2 = connectFrom("127.0.0.4")) {
            send(idle1, "GET /echo/i1 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(idle1.getInputStream())).startsWith("HTTP/1.1 200");
            Thread.sleep(300);
            send(idle2, "GET /echo/i2 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readResponse(idle2.getInputStream())).startsWith("HTTP/1.1 200");
            Thread.sleep(1_200);
            try (Socket next = connectFrom("127.0.0.4")) {
                send(next, "GET /echo/next HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(readResponse(next.getInputStream())).startsWith("HTTP/1.1 200").endsWith("GET /echo/next 0\n");
            }
            assertThat(idle1.getInputStream().read()).as("that client's connection idle longest was closed").isEqualTo(-1);
        }
    }

    @Test
    void oneClientStallingUploadsCannotTakeTheBufferedBudgetFromOthers() throws Exception {
        start(HttpServerOptions.defaults().withLimits(100, 100_000, 30_000)
                .withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(60)));
        try (Socket first = connectFrom("127.0.0.2"); Socket second = connectFrom("127.0.0.2");
             Socket other = connectFrom("127.0.0.3")) {
            send(first, "PUT /echo/h1 HTTP/1.1\r\nHost: x\r\nContent-Length: 29000\r\n\r\n" + "x".repeat(25_000));
            Thread.sleep(1_000); // let the server take it in: 25,000 bytes of this client's bodies still arriving
            send(second, "PUT /echo/h2 HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n" + "x".repeat(10_000));
            assertThat(readToEnd(second)).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After: 1")
                    .contains("this client holds too many request bodies still arriving");
            // another client's body arriving in parts still has room, and so does this client's next part
            send(other, "PUT /echo/o HTTP/1.1\r\nHost: x\r\nContent-Length: 28000\r\n\r\n" + "y".repeat(20_000));
            Thread.sleep(300);
            send(other, "y".repeat(8_000));
            assertThat(readResponse(other.getInputStream())).startsWith("HTTP/1.1 200").endsWith("PUT /echo/o 28000\n");
            send(first, "x".repeat(4_000));
            assertThat(readResponse(first.getInputStream())).startsWith("HTTP/1.1 200").endsWith("PUT /echo/h1 29000\n");
            // its bodies arrived: the share is free again
            try (Socket third = connectFrom("127.0.0.2")) {
                send(third, "PUT /echo/h3 HTTP/1.1\r\nHost: x\r\nContent-Length: 29000\r\n\r\n" + "z".repeat(25_000));
                Thread.sleep(300);
                send(third, "z".repeat(4_000));
                assertThat(readResponse(third.getInputStream())).startsWith("HTTP/1.1 200").endsWith("PUT /echo/h3 29000\n");
            }
        }
        assertThat(handled).containsExactly("PUT /echo/o 28000", "PUT /echo/h1 29000", "PUT /echo/h3 29000");
    }

    @Test
    void aClientsOneBodyArrivesWholeEvenWhenItIsLargerThanItsShare() throws Exception {
        start(HttpServerOptions.defaults().withLimits(100, 1_000_000, 10_000)
                .withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(60)));
        try (Socket big = connectFrom("127.0.0.2"); Socket beside = connectFrom("127.0.0.2")) {
            send(big, "PUT /echo/big HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n" + "x".repeat(30_000));
            Thread.sleep(1_000); // 30,000 bytes arriving: three times the share, but its only body
            send(beside, "PUT /echo/beside HTTP/1.1\r\nHost: x\r\nContent-Length: 30000\r\n\r\n" + "y".repeat(20_000));
            assertThat(readToEnd(beside)).startsWith("HTTP/1.1 503").contains("this client holds too many request bodies still arriving");
            send(big, "x".repeat(20_000));
            assertThat(readResponse(big.getInputStream())).startsWith("HTTP/1.1 200").endsWith("PUT /echo/big 50000\n");
        }
        assertThat(handled).containsExactly("PUT /echo/big 50000");
    }

    @Test
    void bodiesPastTheServerWideBudgetGet503WithRetryAfter() throws Exception {
        start(HttpServerOptions.defaults().withLimits(100, 40_000, 40_000)
                .withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(60)));
        try (Socket holder = connect(); Socket other = connect()) {
            send(holder, "PUT /echo/h HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n" + "x".repeat(30_000));
            Thread.sleep(300); // let the server take it in
            send(other, "PUT /echo/o HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n" + "y".repeat(20_000));
            String answer = readToEnd(other);
            assertThat(answer).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After: 1");
        }
        assertThat(handled).isEmpty();
    }

    @Test
    void aLongResponseIsStreamedAndItsWriterWaitsForASlowReaderButNotForever() throws Exception {
        int total = 8 * 1024 * 1024;
        AtomicReference<Throwable> writerSaw = new AtomicReference<>();
        CountDownLatch writerDone = new CountDownLatch(1);
        start(HttpServerOptions.defaults().withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(1)),
                Route.of("/big", (request, response) -> {
                    try (OutputStream out = response.stream(200, "text/plain")) {
                        byte[] line = "0123456789abcdef".repeat(64).getBytes(StandardCharsets.US_ASCII);
                        for (int written = 0; written < total; written += line.length) {
                            out.write(line);
                        }
                    } catch (IOException e) {
                        writerSaw.set(e);
                    } finally {
                        writerDone.countDown();
                    }
                }));
        try (Socket socket = connect()) {
            send(socket, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = socket.getInputStream();
            Thread.sleep(300); // a slow start: the writer must wait, not buffer 8 MiB
            assertThat(readHead(in)).startsWith("HTTP/1.1 200").contains("transfer-encoding: chunked");
            long body = 0;
            while (true) { // chunk by chunk, to the last
                StringBuilder size = new StringBuilder();
                for (int c = in.read(); c != '\r'; c = in.read()) {
                    size.append((char) c);
                }
                in.read(); // \n
                int n = Integer.parseInt(size.toString(), 16);
                body += in.readNBytes(n + 2).length - 2;
                if (n == 0) {
                    break;
                }
            }
            assertThat(body).isEqualTo(total);
        }
        assertThat(writerDone.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(writerSaw.get()).isNull();
        // a client that never reads: the writer gets an IOException after the write timeout
        CountDownLatch second = new CountDownLatch(1);
        writerSaw.set(null);
        server.route(Route.of("/big2", (request, response) -> {
            try (OutputStream out = response.stream(200, "text/plain")) {
                for (int i = 0; i < 1 << 20; i++) {
                    out.write(new byte[1024]);
                }
            } catch (IOException e) {
                writerSaw.set(e);
            } finally {
                second.countDown();
            }
        }));
        try (Socket socket = connect()) {
            socket.setReceiveBufferSize(4096);
            send(socket, "GET /big2 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(second.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(writerSaw.get()).isInstanceOf(IOException.class).hasMessageContaining("read nothing");
        }
    }

    @Test
    void http10GetsAStreamedResponseUnchunkedAndEndedByClosing() throws Exception {
        start(HttpServerOptions.defaults(), Route.of("/stream", (request, response) -> {
            try (OutputStream out = response.stream(200, "text/plain")) {
                out.write("streamed body".getBytes(StandardCharsets.US_ASCII));
            }
        }));
        try (Socket socket = connect()) {
            send(socket, "GET /stream HTTP/1.0\r\n\r\n");
            String all = readToEnd(socket);
            assertThat(all).startsWith("HTTP/1.0 200").doesNotContainIgnoringCase("chunked").endsWith("\r\n\r\nstreamed body");
        }
    }

    @Test
    void unknownPaths404HandlerFailures500AndHeadHasNoBody() throws Exception {
        start(HttpServerOptions.defaults(), Route.of("/boom", (request, response) -> {
            throw new IllegalStateException("bug");
        }));
        try (Socket socket = connect()) {
            send(socket, "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\nGET /boom HTTP/1.1\r\nHost: x\r\n\r\nHEAD /echo/h HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = socket.getInputStream();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 404");
            assertThat(readResponse(in)).startsWith("HTTP/1.1 500").contains("internal error");
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n").contains("content-length: 15");
            socket.setSoTimeout(300);
            assertThatThrownBy(in::read).as("no body after a HEAD response").isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void stopAnswersRequestsUnderWayAndAPortInUseIsABindException() throws Exception {
        AtomicInteger answered = new AtomicInteger();
        start(HttpServerOptions.defaults(), Route.of("/wait", (request, response) ->
                CompletableFuture.runAsync(() -> {
                    answered.incrementAndGet();
                    response.sendText(200, "late");
                }, CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS))));
        try (Socket socket = connect()) {
            send(socket, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
            Thread.sleep(100);
            HttpServer taken = HttpServer.create(HttpServerOptions.defaults().withAddress("127.0.0.1", server.port()));
            assertThatThrownBy(taken::start).isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(BindException.class);
            server.stop(Duration.ofSeconds(5));
            assertThat(readToEnd(socket)).startsWith("HTTP/1.1 200").endsWith("late\n");
        }
        assertThat(answered).hasValue(1);
    }
}
