package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** --nproc outside the launcher, and where the test JVM is no MPI rank: one line that says what to run instead. */
class DistributedCommandsTest {
    private static String[] run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Nvit.run(args);
        } finally {
            System.setErr(old);
        }
        return new String[] {String.valueOf(rc), buf.toString(StandardCharsets.UTF_8).strip()};
    }

    @Test void nprocWithoutTheLauncherNamesMpirun() {
        for (String cmd : new String[] {"train", "prune"}) {
            String[] r = run(cmd, "--nproc", "2", "--data", "synthetic:64");
            assertEquals("2", r[0], r[1]);
            assertEquals(1, r[1].lines().count(), r[1]);
            assertTrue(r[1].contains("mpirun -np 2 ./nvit"), r[1]);
        }
        String[] bad = run("train", "--nproc", "0");
        assertEquals("2", bad[0]);
        assertTrue(bad[1].contains("--nproc must be >= 1"), bad[1]);
    }
}
