package org.nvit.distributed;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Open MPI for real: sum, max, min, broadcast and barrier between 2 and 3 local ranks ({@link CollectivesMain}). */
class MpiCommunicatorTest {
    @Test void twoRanks() throws Exception { check(2); }

    @Test void threeRanks() throws Exception { check(3); }

    private static void check(int n) throws Exception {
        MpiRun.Result r = MpiRun.run(n, CollectivesMain.class.getName());
        assertEquals(0, r.code(), r.output());
        for (int i = 0; i < n; i++)
            assertTrue(r.output().contains("rank " + i + " of " + n + " ok via Open MPI"), r.output());
    }
}
