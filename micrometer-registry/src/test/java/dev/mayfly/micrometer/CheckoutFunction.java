package dev.mayfly.micrometer;

import dev.mayfly.producer.FlushException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A function as a user writes it with Micrometer alone (no Spring): meters created once per container, recorded in
 * the handler, {@code flush()} before the handler returns.
 */
final class CheckoutFunction {
    private final MayflyMeterRegistry mayfly;
    private final MeterRegistry meters;
    private final Timer latency;
    private final DistributionSummary cartSize;
    private final AtomicInteger queueDepth;

    /** {@code meters}: where the function records (the Mayfly registry itself, or a composite holding it). */
    CheckoutFunction(MayflyMeterRegistry mayfly, MeterRegistry meters) {
        this.mayfly = mayfly;
        this.meters = meters;
        this.latency = Timer.builder("checkout.latency").description("Time to check out.")
                .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1)).register(meters);
        this.cartSize = DistributionSummary.builder("cart.size").baseUnit("items").serviceLevelObjectives(1, 5).register(meters);
        this.queueDepth = meters.gauge("fulfilment.queue.depth", new AtomicInteger());
    }

    /** One invocation. */
    String handle(String country, String paymentMethod, Duration took, int items, int queued) throws FlushException {
        try {
            Counter.builder("orders.placed").description("Orders placed.").tag("country", country).tag("payment.method", paymentMethod)
                    .register(meters).increment();
            latency.record(took);
            cartSize.record(items);
            queueDepth.set(queued);
            return "paid";
        } finally {
            mayfly.flush(); // one batch, acknowledged by Kafka before the handler returns
        }
    }
}
