package dev.mayfly.launcher.internal.topics;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/** Where a range command writes: {@code --out FILE}, or stdout (buffered; closing it only flushes). */
public final class CommandOutput {
    private CommandOutput() {
    }

    /** A buffered stream to {@code file} (created or truncated), or to stdout when {@code file} is null. */
    public static OutputStream open(Path file) throws IOException {
        if (file == null) {
            return new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        }
        return new BufferedOutputStream(new FileOutputStream(file.toFile()), 1 << 16);
    }
}
