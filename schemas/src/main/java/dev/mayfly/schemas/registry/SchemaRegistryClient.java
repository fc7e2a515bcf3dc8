package dev.mayfly.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small client of the Confluent Schema Registry REST API (also served by other registries, e.g. Apicurio's
 * {@code /apis/ccompat/v7}): register a schema under a subject, and fetch a schema by id. Both are cached for the
 * life of the client, since ids and the schemas they name never change.
 *
 * <p>Every call is bounded by the request timeout; a 4xx or 5xx answer, a timeout, or an unreachable registry
 * throws {@link RegistryException} naming the call, the status and the registry's own message. Thread-safe.
 */
public final class SchemaRegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final URI baseUri;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();

    public SchemaRegistryClient(String baseUrl, Duration requestTimeout) {
        String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.baseUri = URI.create(trimmed);
        if (baseUri.getScheme() == null || !(baseUri.getScheme().equals("http") || baseUri.getScheme().equals("https"))) {
            throw new IllegalArgumentException("schema registry URL must be http:// or https://, got '" + baseUrl + "'");
        }
        this.requestTimeout = requestTimeout;
        // HTTP/1.1: no h2c upgrade attempt, which some registries (and proxies) mishandle on requests with a body
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(requestTimeout).build();
    }

    /** Registers {@code schema} under {@code subject} (or finds it already there) and returns its global id. */
    public int register(String subject, Schema schema) {
        String cacheKey = subject + '\u0000' + schema.toString();
        Integer cached = idsBySubjectAndSchema.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        String body = JSON.createObjectNode().put("schemaType", "AVRO").put("schema", schema.toString()).toString();
        JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", body);
        JsonNode id = answer.get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new RegistryException("registry answered register of subject '" + subject + "' without an id: " + answer, 200, null);
        }
        idsBySubjectAndSchema.put(cacheKey, id.intValue());
        schemasById.putIfAbsent(id.intValue(), schema);
        return id.intValue();
    }

    /** The schema with global id {@code id}. */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("GET", "/schemas/ids/" + id, null);
        JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new RegistryException("registry answered schema id " + id + " without a schema: " + answer, 200, null);
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text.asText());
        } catch (RuntimeException e) {
            throw new RegistryException("schema id " + id + " is not a valid Avro schema: " + e.getMessage(), 200, e);
        }
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous == null ? schema : previous;
    }

    private JsonNode call(String method, String path, String body) {
        URI uri = URI.create(baseUri + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", CONTENT_TYPE + ", application/json");
        if (body == null) {
            request.GET();
        } else {
            request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new RegistryException("schema registry " + method + " " + uri + " timed out after " + requestTimeout.toMillis() + " ms", 0, e);
        } catch (IOException e) {
            throw new RegistryException("schema registry " + method + " " + uri + " failed: " + e, 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted during schema registry " + method + " " + uri, 0, e);
        }
        int status = response.statusCode();
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        if (status >= 400) {
            String detail = json != null && json.has("message") ? json.get("message").asText() : oneLine(response.body());
            String code = json != null && json.has("error_code") ? " (error_code " + json.get("error_code").asText() + ")" : "";
            throw new RegistryException("schema registry answered " + status + code + " to " + method + " " + uri + ": " + detail, status, null);
        }
        if (json == null) {
            throw new RegistryException("schema registry answered " + status + " to " + method + " " + uri + " with a body that is not JSON", status, null);
        }
        return json;
    }

    /** A response body fit for a one-line message: whitespace collapsed, at most 200 characters. */
    private static String oneLine(String body) {
        String s = body == null ? "" : body.replaceAll("\\s+", " ").trim();
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
