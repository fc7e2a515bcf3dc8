package dev.mayfly.launcher;

import dev.mayfly.producer.Counter;
import dev.mayfly.producer.FlushException;
import dev.mayfly.producer.Histogram;
import dev.mayfly.producer.MayflyMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The README walkthrough's function, run N times: each "invocation" records with the producer library and flushes
 * one batch, exactly as a serverless handler does.
 */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = "Publishes the walkthrough's metrics with the producer library: N invocations of a 'checkout' "
                + "function, each flushing one batch (orders_total by country, checkout_duration_seconds).")
final class ExampleCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", defaultValue = "localhost:9092",
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--invocations", paramLabel = "N", defaultValue = "10", description = "Invocations to simulate (default: ${DEFAULT-VALUE}).")
    int invocations;

    @Override
    public Integer call() throws FlushException {
        try (MayflyMetrics metrics = MayflyMetrics.fromConfig(Map.of("bootstrap.servers", bootstrapServers, "job", "checkout"))) {
            Counter orders = metrics.counter("orders_total").help("Orders placed.").labelNames("country").register();
            Histogram duration = metrics.histogram("checkout_duration_seconds").help("Time to place an order.")
                    .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1).register();
            String[] countries = {"fr", "de", "fr", "es"};
            for (int i = 0; i < invocations; i++) {
                // the handler body: record, then flush before returning
                orders.labelValues(countries[i % countries.length]).inc();
                duration.observe(0.02 + 0.07 * (i % 5));
                metrics.flush();
            }
        }
        System.out.println("published " + invocations + " invocations of job 'checkout' to " + bootstrapServers);
        return 0;
    }
}
