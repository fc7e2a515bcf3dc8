package dev.mayfly.micrometer.internal;

import io.micrometer.core.instrument.push.PushRegistryConfig;

import java.time.Duration;

/**
 * What Micrometer's push registry base class needs to know: publish every {@code step} in the background, or (no
 * step) never by itself. Without a step the push registry still needs one for its bookkeeping: one minute.
 */
public final class StepConfig implements PushRegistryConfig {
    private final Duration step;

    /** {@code step}: null for no background publish. */
    public StepConfig(Duration step) {
        this.step = step;
    }

    @Override
    public String prefix() {
        return "mayfly";
    }

    @Override
    public String get(String key) {
        return null;
    }

    @Override
    public boolean enabled() {
        return step != null;
    }

    @Override
    public Duration step() {
        return step == null ? Duration.ofMinutes(1) : step;
    }
}
