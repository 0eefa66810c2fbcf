package org.nvit.distributed;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SingleProcessTest {
    @Test void collectivesLeaveTheBufferAsItIs() {
        Communicator c = SingleProcess.INSTANCE;
        assertEquals(0, c.rank());
        assertEquals(1, c.size());
        assertTrue(c.isRoot());
        float[] a = {1, -2, 3};
        c.allReduce(a, Communicator.Op.SUM);
        assertArrayEquals(new float[] {1, -2, 3}, a);
        byte[] b = {5, 6};
        c.broadcast(b, 0);
        assertArrayEquals(new byte[] {5, 6}, b);
        assertThrows(IllegalArgumentException.class, () -> c.broadcast(b, 1));
        c.barrier();
        c.close();
    }

    @Test void onlyAnMpiLauncherMakesAJobOfMany() {
        assertFalse(Communicators.launchedByMpi(Map.of()));
        assertTrue(Communicators.launchedByMpi(Map.of("OMPI_COMM_WORLD_SIZE", "2")));
        assertEquals(1, Communicators.announcedSize(Map.of()));
        assertEquals(4, Communicators.announcedSize(Map.of("OMPI_COMM_WORLD_SIZE", "4")));
        assertEquals(2, Communicators.localSize(Map.of("OMPI_COMM_WORLD_LOCAL_SIZE", "2")));
        assertEquals(1, Communicators.localRank(Map.of("OMPI_COMM_WORLD_LOCAL_RANK", "1")));
    }
}
