package dev.mayfly.launcher.internal.events;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.DecodeException;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.Closeable;
import java.io.IOException;

/** Where {@code mayfly events} writes the records it keeps. Closing flushes and ends the output (not the stream under it when that is stdout). */
public interface BatchOutput extends Closeable {
    /**
     * Writes one record: its decoded {@code batch}, or, when {@code batch} is null, the record that could not be
     * decoded and {@code error} saying why.
     *
     * @return false when this output cannot hold the record (an undecodable record in an Avro file): nothing written
     */
    boolean write(ConsumerRecord<byte[], byte[]> record, MetricEventBatch batch, DecodeException error) throws IOException;
}
