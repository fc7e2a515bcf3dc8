package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.events.AvroFileOutput;
import dev.mayfly.launcher.internal.events.BatchDecoder;
import dev.mayfly.launcher.internal.events.BatchFilter;
import dev.mayfly.launcher.internal.events.BatchOutput;
import dev.mayfly.launcher.internal.events.JsonlOutput;
import dev.mayfly.launcher.internal.topics.CommandOutput;
import dev.mayfly.launcher.internal.topics.ProgressFormat;
import dev.mayfly.launcher.internal.topics.ProgressReporter;
import dev.mayfly.launcher.internal.topics.RangeConsumers;
import dev.mayfly.launcher.internal.topics.TopicRange;
import dev.mayfly.launcher.internal.topics.TopicRangeReader;
import dev.mayfly.schemas.Topics;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.codec.DecodeException;
import dev.mayfly.schemas.codec.MayflyCodecs;
import dev.mayfly.schemas.config.CommonSettings;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.Settings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Reads the events topic (or the dead-letter topic) over a range of record timestamps and writes "
                + "the batches as JSON lines or an Avro object container file. See docs/data-teams.md.")
final class EventsCommand implements Callable<Integer> {
    enum Format { jsonl, avro }

    @Mixin
    RangeOptions range;

    @Option(names = "--dead-letter", description = "Read the dead-letter topic (topic.dead.letter) instead of the events topic.")
    boolean deadLetter;

    @Option(names = "--job", paramLabel = "JOB", description = "Only batches of this job.")
    String job;

    @Option(names = "--metric", paramLabel = "GLOB", description = "Only batches with a point whose name matches (* and ?).")
    String metric;

    @Option(names = "--label", paramLabel = "NAME=VALUE", description = "Only batches with a point whose series has this label; repeatable (all must match).")
    List<String> labels = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "jsonl", description = "jsonl (one batch a line) or avro (an Avro object container file); default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to this file instead of stdout.")
    Path out;

    @Option(names = "--limit", paramLabel = "N", description = "Stop after writing N batches.")
    Long limit;

    @Override
    public Integer call() throws Exception {
        if (limit != null && limit < 1) {
            throw new ConfigException("--limit must be at least 1, got " + limit);
        }
        Instant[] times = range.times(Instant.now());
        BatchFilter filter = BatchFilter.of(job, metric, labels);
        Settings settings = range.settings();
        String topic = settings.get(deadLetter ? CommonSettings.DEAD_LETTER_TOPIC : CommonSettings.EVENTS_TOPIC);
        BatchDecoder decoder = new BatchDecoder(MayflyCodecs.events(CommonSettings.registry(settings), settings.get(CommonSettings.EVENTS_TOPIC)));
        try (KafkaConsumer<byte[], byte[]> consumer = RangeConsumers.create(settings, "mayfly-events")) {
            TopicRange offsets = TopicRange.resolve(consumer, settings.get(CommonSettings.BOOTSTRAP_SERVERS), topic,
                    times[0], times[1], RangeConsumers.TIMEOUT);
            ProgressReporter progress = ProgressReporter.onStderr(offsets.size(), out == null);
            Counts counts = new Counts();
            String ending = "";
            try (OutputStream stream = open(); BatchOutput output = output(stream, topic)) {
                TopicRangeReader.read(consumer, offsets, record -> write(record, decoder, filter, output, counts),
                        progress, RangeConsumers.TIMEOUT);
            } catch (IOException e) {
                if (out != null || !stdoutIsClosed(e)) {
                    throw e;
                }
                ending = " (stdout was closed: stopped)"; // | head: the reader has what it wanted
            }
            String ticks = counts.ticks == 0 ? "" : ", left out " + ProgressFormat.count(counts.ticks, "gateway tick", "gateway ticks")
                    + " (time only)";
            progress.finish(String.format(Locale.ROOT, "%s: read %s of %s, wrote %s, filtered out %s, not written %s%s, in %.1f s" + ending,
                    topic, ProgressFormat.count(progress.records(), "record", "records"),
                    ProgressFormat.count(offsets.size(), "offset", "offsets"), ProgressFormat.count(counts.written, "batch", "batches"),
                    ProgressFormat.count(counts.filtered), ProgressFormat.count(counts.skipped), ticks, progress.elapsedSeconds()));
        }
        return 0;
    }

    private boolean write(ConsumerRecord<byte[], byte[]> record, BatchDecoder decoder, BatchFilter filter,
                          BatchOutput output, Counts counts) throws IOException {
        MetricEventBatch batch = null;
        DecodeException error = null;
        try {
            batch = decoder.decode(record.value());
        } catch (DecodeException e) {
            if (e.isTransient()) {
                throw new IllegalStateException("cannot decode " + record.topic() + " records: " + e.getMessage(), e);
            }
            error = e;
        }
        if (Topics.isTick(record.headers(), batch)) {
            counts.ticks++; // a gateway's time signal, no one's push
            return true;
        }
        if (batch == null ? !filter.keepsAll() : !filter.matches(batch)) {
            counts.filtered++;
            return true;
        }
        if (!output.write(record, batch, error)) {
            counts.skipped++;
            return true;
        }
        counts.written++;
        return limit == null || counts.written < limit;
    }

    private static boolean stdoutIsClosed(IOException e) {
        return String.valueOf(e.getMessage()).contains("Broken pipe");
    }

    private OutputStream open() throws IOException {
        return CommandOutput.open(out);
    }

    private BatchOutput output(OutputStream stream, String topic) throws IOException {
        return format == Format.avro ? new AvroFileOutput(stream, topic) : new JsonlOutput(stream, deadLetter);
    }

    private static final class Counts {
        long written;
        long filtered;
        long ticks;
        long skipped;
    }
}
