package dev.mayfly.schemas;

import org.apache.avro.Schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The released versions of Mayfly's record schemas, kept as resources
 * {@code dev/mayfly/schemas/history/<RecordName>/v<N>.avsc} (N = 1, 2, ... without gaps; each file self-contained).
 *
 * <p>Single-object records name their writer schema only by fingerprint, so a reader must know every schema a
 * producer may still write with: {@link dev.mayfly.schemas.codec.MayflyCodecs} adds all released versions as known
 * writer schemas. The schemas module's tests check that the current schema reads every released version (BACKWARD).
 */
public final class SchemaHistory {
    private static final String ROOT = "/dev/mayfly/schemas/history/";

    private SchemaHistory() {
    }

    /** The released versions of the record named {@code recordName} (e.g. {@code MetricEventBatch}), oldest first. */
    public static List<Schema> released(String recordName) {
        List<Schema> versions = new ArrayList<>();
        for (int version = 1; ; version++) {
            String resource = ROOT + recordName + "/v" + version + ".avsc";
            try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return versions;
                }
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read released schema " + resource, e);
            }
        }
    }
}
