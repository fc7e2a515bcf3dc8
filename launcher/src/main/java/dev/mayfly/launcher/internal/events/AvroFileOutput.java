package dev.mayfly.launcher.internal.events;

import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.DecodeException;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An Avro object container file of the batches, with the current {@code MetricEventBatch} schema as the writer
 * schema (records written with an older schema are resolved to it when read), deflate-compressed, readable by any
 * Avro implementation. Records that cannot be decoded are not written (there is no batch to write).
 */
public final class AvroFileOutput implements BatchOutput {
    /** File metadata: the topic the batches were read from. */
    public static final String META_TOPIC = "mayfly.topic";
    private final DataFileWriter<MetricEventBatch> writer;
    private final OutputStream out;

    public AvroFileOutput(OutputStream out, String topic) throws IOException {
        Schema schema = MetricEventBatch.getClassSchema();
        this.out = out;
        this.writer = new DataFileWriter<>(new SpecificDatumWriter<MetricEventBatch>(schema, SpecificData.getForSchema(schema)));
        writer.setCodec(CodecFactory.deflateCodec(6));
        writer.setMeta(META_TOPIC, topic);
        writer.create(schema, new NonClosing(out));
    }

    @Override
    public boolean write(ConsumerRecord<byte[], byte[]> record, MetricEventBatch batch, DecodeException error) throws IOException {
        if (batch == null) {
            return false;
        }
        writer.append(batch);
        return true;
    }

    @Override
    public void close() throws IOException {
        writer.close();
        out.flush();
    }

    /** Lets the writer end the file without closing stdout. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
