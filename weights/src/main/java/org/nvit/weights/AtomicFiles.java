package org.nvit.weights;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Writes a file through a temporary sibling that is renamed over the target, so readers never see half a file.
 *
 * <p>The temporary is {@code .NAME.HEX.tmp} next to the target. A process killed while writing (SIGKILL, power loss)
 * leaves it behind; the next write of the same target removes such leftovers before and after it writes, and
 * {@link #removeStaleTemporaries} clears a whole folder (a training run's, when it starts). A leftover is only removed
 * when no live writer can own it: a writer holds an exclusive lock on its temporary while it writes (locks die with
 * their process), and the file must also be untouched for {@link #STALE_AFTER}, for file systems where locks are not
 * shared between machines or not supported.
 */
public final class AtomicFiles {
    public interface Body { void write(FileChannel ch) throws IOException; }

    public interface StreamBody { void write(java.io.OutputStream out) throws IOException; }

    /** How long a temporary must be unmodified before it counts as orphaned. */
    public static final Duration STALE_AFTER = Duration.ofMinutes(2);
    private static final String HEX_TMP = "\\.[0-9a-f]{1,16}\\.tmp";
    private static final Pattern ANY_TEMPORARY = Pattern.compile("\\..+" + HEX_TMP);

    private AtomicFiles() {}

    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null && !Files.isDirectory(dir)) throw new WeightFileException("output folder " + dir + " does not exist");
        if (Files.isDirectory(abs)) throw new WeightFileException("cannot write " + target + ": it is a folder");
        Pattern own = Pattern.compile("\\." + Pattern.quote(abs.getFileName().toString()) + HEX_TMP);
        removeStale(dir, own);
        // a plain CREATE_NEW (not createTempFile) so the result gets the usual umask permissions, not 0600
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                lockQuietly(ch);   // marks the temporary as owned by a live writer until the channel closes
                body.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException e) {
            // "No space left on device" alone does not say which output failed
            throw new WeightFileException("cannot write " + target + ": " + InputFiles.reason(e), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
        removeStale(dir, own);
    }

    private static void lockQuietly(FileChannel ch) {
        try {
            ch.lock();
        } catch (IOException | UnsupportedOperationException e) {
            // a file system without locks: the age rule alone protects this temporary
        }
    }

    /** Writes through a buffered stream (text, PNG, JSON) with the same temp-then-rename guarantee. */
    public static void writeStream(Path target, StreamBody body) throws IOException {
        write(target, ch -> {
            java.io.OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16);
            body.write(out);
            out.flush();
        });
    }

    public static void writeString(Path target, String text) throws IOException {
        writeStream(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /**
     * Removes the orphaned temporaries of our pattern in {@code dir} (null: the working folder) and returns how many.
     * Best effort: a temporary that cannot be inspected or removed is left alone.
     */
    public static int removeStaleTemporaries(Path dir) { return removeStale(dir, ANY_TEMPORARY); }

    private static int removeStale(Path dir, Pattern pattern) {
        Path d = dir == null ? Path.of("") : dir;
        Instant cutoff = Instant.now().minus(STALE_AFTER);
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d.toAbsolutePath(), ".*.tmp")) {
            for (Path p : ds) {
                if (!pattern.matcher(p.getFileName().toString()).matches()) continue;
                try {
                    if (!Files.isRegularFile(p) || Files.getLastModifiedTime(p).toInstant().isAfter(cutoff)) continue;
                    if (unowned(p) && Files.deleteIfExists(p)) removed++;
                } catch (IOException | RuntimeException e) {
                    // another process removed or renamed it meanwhile, or it is not ours to touch: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable folder: nothing to clean, and the write itself reports real problems
        }
        return removed;
    }

    /**
     * True when no writer holds the temporary's lock (a writer in this JVM counts as holding it); true as well where
     * the file system has no locks, leaving the age rule to decide.
     */
    private static boolean unowned(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            try (FileLock lock = ch.tryLock()) {
                return lock != null;
            } catch (OverlappingFileLockException sameJvm) {
                return false;
            } catch (IOException | UnsupportedOperationException noLocks) {
                return true;
            }
        }
    }
}
