package org.nvit.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Run by {@link MpiCommunicatorTest} under mpirun: every collective on known data, one line per rank on stdout
 * ("rank R of N ok ..."), or a failure line and exit code 1.
 */
public final class CollectivesMain {
    public static void main(String[] args) {
        Communicator c = Communicators.fromEnvironment();
        int r = c.rank(), n = c.size();
        try {
            // sum, max and min of rank-dependent values, over a buffer larger than one MPI count chunk is not needed
            float[] a = new float[1000];
            for (int i = 0; i < a.length; i++) a[i] = r + i * 0.5f;
            float[] s = a.clone(), mx = a.clone(), mn = a.clone();
            c.allReduce(s, Communicator.Op.SUM);
            c.allReduce(mx, Communicator.Op.MAX);
            c.allReduce(mn, Communicator.Op.MIN);
            for (int i = 0; i < a.length; i++) {
                float want = n * (n - 1) / 2f + n * i * 0.5f;
                if (s[i] != want) fail(r, "sum[" + i + "] = " + s[i] + ", want " + want);
                if (mx[i] != n - 1 + i * 0.5f) fail(r, "max[" + i + "] = " + mx[i]);
                if (mn[i] != i * 0.5f) fail(r, "min[" + i + "] = " + mn[i]);
            }
            // broadcast from the last rank
            byte[] b = new byte[300];
            if (r == n - 1) for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7 + 3);
            c.broadcast(b, n - 1);
            for (int i = 0; i < b.length; i++) if (b[i] != (byte) (i * 7 + 3)) fail(r, "broadcast byte " + i + " = " + b[i]);
            // native segment path, in place
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment m = arena.allocate(ValueLayout.JAVA_FLOAT, 3);
                m.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 1f);
                m.setAtIndex(ValueLayout.JAVA_FLOAT, 1, r);
                m.setAtIndex(ValueLayout.JAVA_FLOAT, 2, -r);
                c.allReduce(m, 3, Communicator.Op.SUM);
                if (m.getAtIndex(ValueLayout.JAVA_FLOAT, 0) != n) fail(r, "segment count " + m.getAtIndex(ValueLayout.JAVA_FLOAT, 0));
            }
            c.barrier();
            System.out.println("rank " + r + " of " + n + " ok via " + c.name());
            System.out.flush();
            c.close();
        } catch (RuntimeException e) {
            fail(r, e.toString());
        }
    }

    private static void fail(int rank, String what) {
        System.out.println("rank " + rank + " FAILED: " + what);
        System.out.flush();
        System.exit(1);
    }
}
