package org.nvit.cli;

import org.nvit.weights.OutputGuard;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks on a file a command is about to write, made before any work so that a bad path costs nothing, and a write
 * wrapper that turns the file system's terse errors into one line naming the file and the fix. The files themselves
 * are written atomically (AtomicFiles), so a failure never leaves a partial file.
 */
final class OutputFiles {
    private OutputFiles() {}

    /** An output path must not be the input (by file identity: {@link OutputGuard}), nor a folder, and its folder must exist. */
    static void check(Path in, Path out) {
        if (OutputGuard.same(in, out))
            throw new IllegalArgumentException("the input and the output are the same file (" + out + "); choose another output path");
        if (Files.isDirectory(out))
            throw new IllegalArgumentException("the output " + out + " is a folder; give a file name inside it");
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir))
            throw new IllegalArgumentException("cannot write " + out + ": " + (Files.exists(dir) ? dir + " is not a folder"
                    : "the folder " + dir + " does not exist") + "; create it or choose another output path");
        if (dir != null && !Files.isWritable(dir))
            throw new IllegalArgumentException("cannot write " + out + ": the folder " + dir + " is not writable; choose another output path");
    }

    interface Write { void run() throws IOException; }

    /** Runs a write; file-system refusals become one clear line. */
    static void write(Path out, Write w) throws IOException {
        try {
            w.run();
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("cannot write " + out + ": permission denied; choose a writable folder", e);
        } catch (FileSystemException e) {
            String why = e.getReason() == null ? e.getClass().getSimpleName() : e.getReason();
            throw new IllegalArgumentException("cannot write " + out + ": " + why, e);
        }
    }
}
