package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic writes: leftovers of killed writers are removed, live writers' temporaries and other files are not. */
class AtomicFilesTest {
    @TempDir Path dir;

    private Path temporary(String name, boolean old) throws IOException {
        Path p = Files.writeString(dir.resolve(name), "half a file");
        if (old) Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(AtomicFiles.STALE_AFTER).minusSeconds(60)));
        return p;
    }

    @Test void aWriteRemovesItsTargetsOrphanedTemporaries() throws Exception {
        Path orphan = temporary(".last.ckpt.1a2b3c4d5e.tmp", true);
        Path fresh = temporary(".last.ckpt.ffff.tmp", false);            // may belong to a writer right now
        Path otherTarget = temporary(".model.safetensors.abc.tmp", true); // another target's: left to its own writes
        Path notOurs = temporary(".last.ckpt.notahex.tmp", true);
        AtomicFiles.writeString(dir.resolve("last.ckpt"), "whole");
        assertEquals("whole", Files.readString(dir.resolve("last.ckpt")));
        assertFalse(Files.exists(orphan));
        assertTrue(Files.exists(fresh) && Files.exists(otherTarget) && Files.exists(notOurs));
        // a folder-wide sweep (a training run's start) takes every orphan of the pattern, still not the fresh one
        assertEquals(1, AtomicFiles.removeStaleTemporaries(dir));
        assertFalse(Files.exists(otherTarget));
        assertTrue(Files.exists(fresh) && Files.exists(notOurs));
    }

    @Test void aLockedTemporaryIsNeverRemoved() throws Exception {
        Path held = temporary(".last.ckpt.beef.tmp", true);
        try (FileChannel ch = FileChannel.open(held, StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            assertEquals(0, AtomicFiles.removeStaleTemporaries(dir));
            assertTrue(Files.exists(held));
        }
        assertEquals(1, AtomicFiles.removeStaleTemporaries(dir));
    }

    @Test void aFailedWriteNamesTheFileAndLeavesNoTemporary() throws Exception {
        Path target = dir.resolve("out.safetensors");
        Files.writeString(target, "the previous version");
        var e = assertThrows(WeightFileException.class,
                () -> AtomicFiles.write(target, ch -> { throw new IOException("No space left on device"); }));
        assertEquals("cannot write " + target + ": No space left on device", e.getMessage());
        assertEquals("the previous version", Files.readString(target));
        try (var files = Files.list(dir)) { assertEquals(1, files.count()); }
        var folder = assertThrows(WeightFileException.class, () -> AtomicFiles.writeString(dir, "x"));
        assertTrue(folder.getMessage().contains("is a folder"), folder.getMessage());
    }
}
