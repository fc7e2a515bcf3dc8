package dev.mayfly.schemas.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny in-test stand-in for the Confluent REST API (register, schema by id) for unit tests of framing bytes and
 * error mapping. NOT a substitute for the real registry in integration tests ({@link ApicurioRegistry}).
 * Ids start at 258 (0x00000102) so that tests see multi-byte big-endian ids.
 */
public final class FakeRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final Map<Integer, String> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Integer> idsBySchema = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(258);
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int failWithStatus;
    private volatile String failWithBody = "";

    public FakeRegistry() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Stores {@code schemaJson} as the registry would on register, and returns its id. */
    public int put(String schemaJson) {
        return idsBySchema.computeIfAbsent(schemaJson, s -> {
            int id = nextId.getAndIncrement();
            schemasById.put(id, s);
            return id;
        });
    }

    /** From now on every request answers {@code status} with {@code body}; 0 returns to normal. */
    public void failWith(int status, String body) {
        this.failWithBody = body;
        this.failWithStatus = status;
    }

    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            if (failWithStatus != 0) {
                reply(exchange, failWithStatus, failWithBody);
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (exchange.getRequestMethod().equals("POST") && path.matches("/subjects/[^/]+/versions")) {
                JsonNode body = JSON.readTree(exchange.getRequestBody());
                reply(exchange, 200, "{\"id\":" + put(body.get("schema").asText()) + "}");
            } else if (exchange.getRequestMethod().equals("GET") && path.matches("/schemas/ids/\\d+")) {
                String schema = schemasById.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
                if (schema == null) {
                    reply(exchange, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
                } else {
                    reply(exchange, 200, JSON.createObjectNode().put("schema", schema).toString());
                }
            } else {
                reply(exchange, 404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }
}
