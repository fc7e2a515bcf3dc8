/**
 * A Micrometer {@code MeterRegistry} that publishes through Mayfly's producer library:
 * {@link dev.mayfly.micrometer.MayflyMeterRegistry} (see it for what each meter type becomes) configured by
 * {@link dev.mayfly.micrometer.MayflyRegistryConfig}. {@code flush()} at the end of an invocation sends one batch and
 * waits for Kafka's acknowledgement; an optional step publishes in the background for long-lived processes.
 *
 * <p>{@code dev.mayfly.micrometer.internal} is not API.
 */
package dev.mayfly.micrometer;
