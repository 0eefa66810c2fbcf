package org.nvit.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A run's log stream: everything goes to the console (stderr) and, once {@link #attach} names the run folder's
 * train.log, there too (appended, so a resumed run continues the same file; what was printed before the folder was
 * known is written first).
 */
final class RunLog extends OutputStream {
    private final OutputStream console;
    private final ByteArrayOutputStream early = new ByteArrayOutputStream();
    private OutputStream file;

    RunLog(OutputStream console) { this.console = console; }

    synchronized void attach(Path log) throws IOException {
        if (file != null) return;
        file = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        early.writeTo(file);
        early.reset();
        file.flush();
    }

    @Override public synchronized void write(int b) throws IOException {
        console.write(b);
        if (file != null) file.write(b); else early.write(b);
    }

    @Override public synchronized void write(byte[] b, int off, int len) throws IOException {
        console.write(b, off, len);
        if (file != null) file.write(b, off, len); else early.write(b, off, len);
    }

    @Override public synchronized void flush() throws IOException {
        console.flush();
        if (file != null) file.flush();
    }

    @Override public synchronized void close() {
        try {
            if (file != null) file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
