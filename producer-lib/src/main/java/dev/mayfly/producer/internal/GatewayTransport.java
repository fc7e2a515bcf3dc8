package dev.mayfly.producer.internal;

import dev.mayfly.schemas.EventsApi;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.AvroCodec;
import dev.mayfly.schemas.codec.MayflyCodecs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * Batches posted to the gateway's events API ({@value EventsApi#PATH}): one batch per request, in Avro single-object
 * encoding, its event id as the {@code Idempotency-Key}, answered after Kafka acknowledged it. A request is made on
 * the flushing thread (no thread of its own, a kept-alive connection reused), and made once more at once when the
 * connection fails (a connection kept alive while the container was frozen may be dead): the key makes the second
 * try count once. A 4xx other than 408 and 429 is a refusal for good; any other failure leaves the batch pending.
 */
public final class GatewayTransport implements BatchSender.Transport {
    private static final int MAX_MESSAGE_BYTES = 2048;

    private final URL url;
    private final String authorization;
    private final AvroCodec<MetricEventBatch> codec = MayflyCodecs.eventsSingleObject();

    /**
     * @param url   the events API's URL ({@code http(s)://host:port/v1/events})
     * @param token a bearer token for the gateway, or null
     */
    public GatewayTransport(URL url, String token) {
        this.url = url;
        this.authorization = token == null || token.isEmpty() ? null : "Bearer " + token;
    }

    /** The gateway refused a batch: its status and its one-line message. */
    public static final class GatewayRefusal extends IOException {
        private final int status;

        GatewayRefusal(int status, String message) {
            super("the gateway answered " + status + ": " + message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    @Override
    public byte[] encode(MetricEventBatch batch) {
        return codec.encode(batch);
    }

    @Override
    public Future<?> send(MetricEventBatch batch, byte[] key, byte[] encoded, long deadlineNanos) {
        try {
            try {
                post(batch.getEventId(), encoded, deadlineNanos);
            } catch (SocketTimeoutException | GatewayRefusal e) {
                throw e;
            } catch (IOException e) {
                post(batch.getEventId(), encoded, deadlineNanos); // once more, on a new connection
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void post(String eventId, byte[] body, long deadlineNanos) throws IOException {
        int timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadlineNanos - System.nanoTime()) / 1_000_000));
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        c.setConnectTimeout(timeoutMillis);
        c.setReadTimeout(timeoutMillis);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
        c.setRequestProperty("Content-Type", EventsApi.MEDIA_TYPE);
        c.setRequestProperty("Idempotency-Key", eventId);
        if (authorization != null) {
            c.setRequestProperty("Authorization", authorization);
        }
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        int status = c.getResponseCode();
        if (status >= 200 && status < 300) {
            try (InputStream in = c.getInputStream()) {
                in.readAllBytes(); // read to the end, so the connection is kept alive for the next flush
            }
            return;
        }
        String message;
        try (InputStream in = c.getErrorStream()) {
            message = in == null ? "" : new String(in.readNBytes(MAX_MESSAGE_BYTES), StandardCharsets.UTF_8).trim();
        }
        throw new GatewayRefusal(status, message);
    }

    @Override
    public boolean refusedForGood(Throwable cause) {
        return cause instanceof GatewayRefusal r && r.status() >= 400 && r.status() < 500 && r.status() != 408 && r.status() != 429;
    }

    @Override
    public void failed(Throwable cause) {
    }

    @Override
    public String destination() {
        return "gateway " + url;
    }

    @Override
    public void close(Duration timeout) {
    }
}
