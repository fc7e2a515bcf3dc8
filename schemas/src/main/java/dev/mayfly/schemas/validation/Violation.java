package dev.mayfly.schemas.validation;

/**
 * A rule a batch or point breaks: a short stable {@code reason} code (the dead-letter reason, the {@code reason} label
 * of the rejection counters) and a one-line {@code detail} naming the metric and the rule, fit to show a client.
 */
public record Violation(String reason, String detail) {
}
