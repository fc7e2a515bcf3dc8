package dev.mayfly.gateway.internal;

import dev.mayfly.gateway.RefusedPushes;

import dev.mayfly.http.HttpRequest;
import dev.mayfly.http.HttpResponse;
import dev.mayfly.gateway.Authenticator;
import dev.mayfly.gateway.ServedTypes;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.Operation;
import dev.mayfly.schemas.validation.MetricValidator;
import dev.mayfly.schemas.validation.Violation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The steps every push takes, shared by every API: authenticate, take in-flight room, read the body, check it (the
 * shared validator, then {@link ServedFamilyConflicts}: families /metrics could not serve), write the batch
 * to the {@link BatchSink} (through the {@link PushCoalescer}) and answer when it is acknowledged. In-flight room is counted in KiB of request body: at
 * most {@code maxInFlightBytes} of bodies (and the batches made of them) are held at once; a push that finds no room
 * within {@link #ROOM_WAIT} gets 429. A push is answered on its connection's event loop once its write completes,
 * never on the thread that completed it (Kafka's network thread acknowledges many pushes at once).
 *
 * <p>Most pushes are handled inline, on the connection's event loop ({@link #mayHandleInline}): the body is small and
 * plain, authenticating it hashes nothing, room is free and the sink writes without waiting, so nothing in their
 * handling waits. Any other push (large or compressed body, credentials bcrypt has not yet accepted, no room at once)
 * is handled on the server's handler pool, where it may wait for room or a password hash. Thread-safe.
 */
public final class PushPipeline {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PushPipeline.class);
    static final Duration ROOM_WAIT = Duration.ofMillis(250);
    /** Largest plain body handled on the event loop: parsed in about a millisecond at most (pushes are mostly under 4 KiB). */
    static final int INLINE_MAX_BODY_BYTES = 16 * 1024;

    private final PushCoalescer sink;
    private final Authenticator authenticator;
    private final Semaphore room;
    private final int maxBodyBytes;
    private final int maxSeries;
    private final Duration ackTimeout;
    private final MetricValidator validator;
    private final ServedFamilyConflicts conflicts;

    public PushPipeline(PushCoalescer sink, Authenticator authenticator, long maxInFlightBytes,
                        int maxBodyBytes, int maxSeries, Duration ackTimeout, MetricValidator validator, ServedTypes servedTypes) {
        this.sink = sink;
        this.authenticator = authenticator;
        this.room = new Semaphore((int) Math.min(Integer.MAX_VALUE, Math.max(maxInFlightBytes / 1024, maxBodyBytes / 1024 + 1)));
        this.maxBodyBytes = maxBodyBytes;
        this.maxSeries = maxSeries;
        this.ackTimeout = ackTimeout;
        this.validator = validator;
        this.conflicts = new ServedFamilyConflicts(servedTypes);
    }

    public int maxSeries() {
        return maxSeries;
    }

    /**
     * 401 unless the request carries valid credentials (when authentication is configured); 429 with Retry-After
     * when its client address presented wrong credentials too often lately.
     */
    public Authenticator.Identity authenticate(HttpRequest request, HttpResponse response) {
        Authenticator.Identity identity;
        try {
            identity = authenticator.authenticate(request.header("Authorization"), request.clientAddress());
        } catch (Authenticator.TooManyFailures e) {
            response.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
            throw new PushRejected(429, PushRejected.TOO_MANY_FAILURES, e.getMessage());
        }
        if (identity == null) {
            response.header("WWW-Authenticate", authenticator.challenge());
            throw new PushRejected(401, PushRejected.UNAUTHENTICATED, "unauthorized: missing or wrong credentials");
        }
        return identity;
    }

    /** 403 unless {@code identity} may push {@code job}. */
    public static void authorize(Authenticator.Identity identity, String job) {
        if (!identity.mayPush(job)) {
            throw new PushRejected(403, PushRejected.FORBIDDEN, "forbidden: these credentials may not push job " + job);
        }
    }

    /**
     * Whether {@code request} may be handled on the connection's event loop: a plain body of at most
     * {@link #INLINE_MAX_BODY_BYTES}, credentials checked without hashing, room for it free right now, and a sink
     * that writes without waiting.
     */
    public boolean mayHandleInline(HttpRequest request) {
        return request.bodyLength() <= INLINE_MAX_BODY_BYTES && request.header("Content-Encoding") == null
                && room.availablePermits() >= permits(request) && sink.writesWithoutWaiting()
                && authenticator.decidesWithoutHashing(request.header("Authorization"));
    }

    /**
     * Takes in-flight room for the request's body (the server received it whole, within the body limit); a compressed
     * body takes room for the largest body, which it may inflate to. Waits for room up to {@link #ROOM_WAIT}, not at
     * all on the event loop. Returns the permits to give back, or throws 429.
     */
    public int takeRoom(HttpRequest request, HttpResponse response) {
        int permits = permits(request);
        try {
            if (!(request.isInline() ? room.tryAcquire(permits) : room.tryAcquire(permits, ROOM_WAIT.toMillis(), TimeUnit.MILLISECONDS))) {
                response.header("Retry-After", "1");
                throw new PushRejected(429, PushRejected.OVERLOADED, "too many pushes in flight; retry later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PushRejected(503, PushRejected.UNAVAILABLE, "shutting down");
        }
        return permits;
    }

    private int permits(HttpRequest request) {
        boolean compressed = request.header("Content-Encoding") != null;
        long bytes = compressed ? maxBodyBytes : request.bodyLength();
        return (int) Math.min(bytes / 1024 + 1, maxBodyBytes / 1024 + 1);
    }

    public void giveBackRoom(int permits) {
        if (permits > 0) {
            room.release(permits);
        }
    }

    public RequestBody readBody(HttpRequest request) throws IOException {
        return RequestBody.read(request, maxBodyBytes);
    }

    /** The largest request body, before and after decompression. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Whether the client named its push ({@code Idempotency-Key}); without, the gateway makes a random event id. */
    private static boolean hasIdempotencyKey(HttpRequest request) {
        return request.header("Idempotency-Key") != null;
    }

    /**
     * The event id: without an {@code Idempotency-Key}, a random UUID; with one, the key and a digest of {@code scope}
     * (asked for only then), what the key is unique within (the API, the job, and for the Pushgateway API the method and the group). So a
     * retry of the same push counts once, while the same key sent to another job, group, method or API is another
     * push: one client's keys can never suppress another's pushes.
     */
    public static String eventId(HttpRequest request, Supplier<String> scope) {
        if (!hasIdempotencyKey(request)) {
            return UUID.randomUUID().toString();
        }
        String key = request.header("Idempotency-Key");
        key = key.trim();
        if (key.isEmpty() || key.length() > 128) {
            throw PushRejected.badRequest(PushRejected.INVALID_HEADER, "Idempotency-Key must be 1 to 128 printable ASCII characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e) { // spaces inside, as in a quoted key ("order 42"), are kept
                throw PushRejected.badRequest(PushRejected.INVALID_HEADER, "Idempotency-Key must be 1 to 128 printable ASCII characters");
            }
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(scope.get().getBytes(StandardCharsets.UTF_8));
            return key + "@" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Reads, checks and builds one push's batch; refuses it by throwing {@link PushRejected}. */
    public interface PushReader {
        /** The batch to write, or null when the push holds nothing to write (it is answered as a success). */
        MetricEventBatch read(HttpRequest request, HttpResponse response, Room room) throws IOException;
    }

    /**
     * What one push holds while the pipeline handles it: the in-flight room, taken by the reader before it reads the
     * body and given back by the pipeline; and, for a push accepted in part, what is left out of it.
     */
    public final class Room {
        private int permits;
        private final LeftOut leftOut;

        private Room(LeftOut leftOut) {
            this.leftOut = leftOut;
        }

        public void take(HttpRequest request, HttpResponse response) {
            permits = takeRoom(request, response);
        }

        /** Where a reader leaves out a metric it cannot take, for a push accepted in part; null for a push taken whole. */
        public LeftOut leftOut() {
            return leftOut;
        }
    }

    /**
     * Handles one push: {@code reader} builds the batch, which is submitted and answered once acknowledged; a refused
     * push, an unreadable body or an internal error is answered here, counted, and its room given back.
     */
    public void handle(HttpRequest request, HttpResponse response, String api, Replier replier, PushReader reader) {
        handle(request, response, api, replier, reader, null);
    }

    /**
     * As {@link #handle}, for an API that accepts part of a push (OTLP's partial success): a metric that breaks a rule
     * is left out, counted, and named to the replier, the rest written; only a push nothing is left of is refused.
     */
    public void handleInParts(HttpRequest request, HttpResponse response, String api, Replier replier, PushReader reader) {
        handle(request, response, api, replier, reader, new LeftOut());
    }

    private void handle(HttpRequest request, HttpResponse response, String api, Replier replier, PushReader reader, LeftOut leftOut) {
        Room room = new Room(leftOut);
        try {
            MetricEventBatch batch = reader.read(request, response, room);
            if (batch == null) {
                giveBackRoom(room.permits);
                room.permits = 0;
                replier.success(request, response, null);
                return;
            }
            if (leftOut == null) {
                check(batch);
            } else {
                batch = leftOut.keepAcceptable(batch, this::refusal, validator);
            }
            int taken = room.permits;
            room.permits = 0;
            submit(request, response, api, batch, taken, replier, leftOut);
        } catch (PushRejected rejected) {
            giveBackRoom(room.permits);
            reject(request, response, api, rejected, replier);
        } catch (IOException e) {
            giveBackRoom(room.permits);
            reject(request, response, api, new PushRejected(400, PushRejected.MALFORMED, "cannot read the request: " + e), replier);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            giveBackRoom(room.permits);
            internalError(request, response, api, e, replier);
        }
    }

    /**
     * 400 naming the metric and the rule when {@code batch} breaks a rule of the shared validator (the engine's too), or
     * when two of its points land on one series once the grouping labels override theirs.
     */
    static void refuseInvalid(MetricValidator validator, MetricEventBatch batch) {
        Violation violation = validator.check(batch);
        if (violation != null) {
            throw PushRejected.of(violation);
        }
        PointsBuilder.refuseSeriesMergedByOverride(batch);
    }

    private void check(MetricEventBatch batch) {
        refuseInvalid(validator, batch);
        conflicts.refuse(batch);
    }

    private PushRejected refusal(MetricEventBatch batch) {
        try {
            check(batch);
            return null;
        } catch (PushRejected rejected) {
            return rejected;
        }
    }

    /** Answers the push once the sink acknowledged the batch (success), or failed (503 / 413); gives back the room. */
    public interface Replier {
        /** {@code leftOut}: what was left out of a push accepted in part (null for a push taken whole). */
        void success(HttpRequest request, HttpResponse response, LeftOut leftOut) throws IOException;

        void failure(HttpRequest request, HttpResponse response, PushRejected rejected) throws IOException;
    }

    private void submit(HttpRequest request, HttpResponse response, String api, MetricEventBatch batch, int permits, Replier replier,
                        LeftOut leftOut) {
        sink.write(batch, !hasIdempotencyKey(request)) // no key: eventId made a random id for this batch alone
                .orTimeout(ackTimeout.toMillis() + 2000, TimeUnit.MILLISECONDS)
                .whenCompleteAsync((ok, error) -> {
                    giveBackRoom(permits);
                    try {
                        if (error == null) {
                            GatewayMetrics.PUSHES.labelValues(api, batch.getOperation() == Operation.DELETE_GROUP ? "delete" : "record").inc();
                            GatewayMetrics.POINTS.labelValues(api).inc(batch.getPoints().size());
                            if (leftOut != null && !leftOut.isEmpty()) {
                                leftOut.accepted(batch.getPoints().size());
                                countLeftOut(request, api, leftOut);
                            }
                            replier.success(request, response, leftOut);
                        } else {
                            PushRejected rejected = asRejection(error);
                            count(request, api, rejected);
                            replier.failure(request, response, rejected);
                        }
                    } catch (IOException | RuntimeException e) {
                        response.abort();
                    }
                }, response.writer());
    }

    /** Counts the data points left out of a push accepted in part, by reason, and keeps what the client is told. */
    private static void countLeftOut(HttpRequest request, String api, LeftOut leftOut) {
        for (LeftOut.Metric m : leftOut.metrics()) {
            GatewayMetrics.LEFT_OUT_POINTS.labelValues(api, m.why().reason()).inc(m.points());
        }
        RefusedPushes.add(api, request.path(), leftOut.metrics().get(0).why().reason(), 200, leftOut.message());
    }

    /** Counts a refusal by reason, and keeps it, with what the client is told, for the status page. */
    private static void count(HttpRequest request, String api, PushRejected rejected) {
        GatewayMetrics.REJECTED.labelValues(api, rejected.reason()).inc();
        RefusedPushes.add(api, request.path(), rejected.reason(), rejected.status(), rejected.getMessage());
    }

    private static PushRejected asRejection(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof BatchSink.SinkException e && e.kind() == BatchSink.SinkException.Kind.TOO_LARGE) {
            return new PushRejected(413, PushRejected.TOO_MANY_SERIES, e.getMessage());
        }
        if (cause instanceof TimeoutException) {
            return new PushRejected(503, PushRejected.UNAVAILABLE, "events topic did not acknowledge in time; retry with the same Idempotency-Key");
        }
        return new PushRejected(503, PushRejected.UNAVAILABLE, "events topic unavailable (" + cause.getMessage()
                + "); retry later with the same Idempotency-Key");
    }

    /** Counts a refused push and answers it. */
    public static void reject(HttpRequest request, HttpResponse response, String api, PushRejected rejected, Replier replier) {
        count(request, api, rejected);
        try {
            replier.failure(request, response, rejected);
        } catch (IOException | RuntimeException e) {
            response.abort();
        }
    }

    /** A bug or a broken installation: logged, answered 500, counted with reason {@code internal}. Nothing was written. */
    public static void internalError(HttpRequest request, HttpResponse response, String api, Throwable error, Replier replier) {
        LOG.error("push failed unexpectedly", error);
        reject(request, response, api, new PushRejected(500, PushRejected.INTERNAL, "internal error: " + error), replier);
    }
}
