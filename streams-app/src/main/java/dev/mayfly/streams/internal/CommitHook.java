package dev.mayfly.streams.internal;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

import java.util.Map;

/**
 * Runs a processor's action just before each commit of its task, inside the transaction: a state store without
 * changelog or contents whose only job is to be called when Kafka Streams flushes the store caches, which it does
 * before it flushes the producer and commits the transaction (on every commit, including the one on suspend and
 * close). Records the action forwards are therefore part of the same transaction as the input offsets. This is the
 * mechanism Kafka Streams' own record caches use to emit on flush (they share the internal interface implemented
 * here); Kafka Streams has no public pre-commit callback.
 *
 * <p>Contract: a processor that holds work across {@code process} calls registers it with
 * {@link #onCommit(ProcessorContext, Runnable)} in its {@code init}, and its action forwards all of it; if the task
 * closes dirty (crash, fencing) the work is dropped, exactly like the uncommitted transaction it belonged to, and the
 * records are processed again from the last commit. Kafka Streams flushes a task's stores in no fixed order (not the
 * order they were added), so the action may run after another store's cache was flushed for this commit: it must not
 * write a cached store (that write would miss the transaction); forwarding to sinks and writing uncached stores is
 * safe.
 */
public final class CommitHook implements StateStore, CachedStateStore<Object, Object> {
    private final String name;
    private boolean open;
    private Runnable action = () -> { };
    private Runnable discard = () -> { };

    private CommitHook(String name) {
        this.name = name;
    }

    /** Builds the store for {@code StreamsBuilder.addStateStore}: no changelog, nothing on disk. */
    public static StoreBuilder<CommitHook> builder(String name) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<CommitHook> withCachingEnabled() {
                return this;
            }

            @Override
            public StoreBuilder<CommitHook> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
                return this;
            }

            @Override
            public StoreBuilder<CommitHook> withLoggingDisabled() {
                return this;
            }

            @Override
            public CommitHook build() {
                return new CommitHook(name);
            }

            @Override
            public Map<String, String> logConfig() {
                return Map.of();
            }

            @Override
            public boolean loggingEnabled() {
                return false;
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    /**
     * Makes {@code action} run before every commit of the task of {@code context}, as if it were a punctuation of the
     * calling processor (its forwards go to the processor's children); {@code discard} runs when the task closes
     * without committing. Call from {@code Processor.init}.
     */
    public void onCommit(ProcessorContext<?, ?> context, Runnable action, Runnable discard) {
        InternalProcessorContext<?, ?> internal = (InternalProcessorContext<?, ?>) context;
        ProcessorNode<?, ?, ?, ?> node = internal.currentNode();
        this.discard = discard;
        this.action = () -> {
            ProcessorNode<?, ?, ?, ?> previousNode = internal.currentNode();
            ProcessorRecordContext previousRecord = internal.recordContext();
            internal.setCurrentNode(node);
            internal.setRecordContext(new ProcessorRecordContext(Math.max(0, context.currentStreamTimeMs()), -1L, -1, null,
                    new RecordHeaders()));
            try {
                action.run();
            } finally {
                internal.setRecordContext(previousRecord);
                internal.setCurrentNode(previousNode);
            }
        };
    }

    @Override
    public void flushCache() {
        if (open) {
            action.run();
        }
    }

    @Override
    public void clearCache() {
        discard.run();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> { });
        open = true;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        open = false;
        discard.run();
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public org.apache.kafka.streams.query.Position getPosition() {
        return org.apache.kafka.streams.query.Position.emptyPosition();
    }
}
