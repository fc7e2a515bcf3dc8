package dev.mayfly.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Reads GET /metrics (text 0.0.4) into sample line key {@code name{labels}} -> value. */
final class MetricsText {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private MetricsText() {
    }

    /** The samples, or null when the endpoint is not serving (down or 503). */
    static Map<String, Double> scrape(String url) throws InterruptedException {
        return scrape(url, null);
    }

    /** As {@link #scrape(String)}, sending {@code authorization} (null: none) as the Authorization header. */
    static Map<String, Double> scrape(String url, String authorization) throws InterruptedException {
        HttpResponse<String> r;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
        if (r.statusCode() != 200) {
            return null;
        }
        return parse(r.body());
    }

    /**
     * The first scrape of {@code url} (within 60 s) that has a sample starting with each of {@code prefixes}: series
     * published by different tasks and punctuators become visible independently, so a test waits for each it reads.
     */
    static Map<String, Double> awaitSamples(String url, String authorization, String... prefixes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Double> last = null;
        while (System.nanoTime() < deadline) {
            Map<String, Double> scraped = scrape(url, authorization);
            last = scraped;
            if (scraped != null && java.util.Arrays.stream(prefixes)
                    .allMatch(prefix -> scraped.keySet().stream().anyMatch(k -> k.startsWith(prefix)))) {
                return scraped;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no sample for each of " + java.util.Arrays.toString(prefixes) + " on " + url + "; last scrape: " + last);
    }

    /** Waits (up to 60 s) until a sample starting with {@code prefix} has {@code value}. */
    static void awaitValue(String url, String authorization, String prefix, double value) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Double> last = null;
        while (System.nanoTime() < deadline) {
            Map<String, Double> scraped = scrape(url, authorization);
            last = scraped;
            if (scraped != null && scraped.entrySet().stream().anyMatch(e -> e.getKey().startsWith(prefix) && e.getValue() == value)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no sample " + prefix + "... of value " + value + " on " + url + "; last scrape: " + last);
    }

    static Map<String, Double> parse(String body) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : body.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String value = line.substring(space + 1);
            samples.put(line.substring(0, space), switch (value) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(value); // NaN included
            });
        }
        return samples;
    }

    static int status(String url) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    static void awaitStatus(String url, int status, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = status(url);
            if (last == status) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(url + " answered " + last + ", not " + status + ", for " + timeout);
    }
}
