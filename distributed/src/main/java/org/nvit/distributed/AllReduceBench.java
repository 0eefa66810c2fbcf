package org.nvit.distributed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;

/**
 * The cost of one in-place float all-reduce between the ranks of a job, apart from any training: for each size in
 * MB given, a barrier, then 30 timed all-reduces after 5 untimed ones; rank 0 prints the median and the fastest.
 * {@code mpirun -np 2 java --enable-native-access=ALL-UNNAMED -cp cli/target/nvit.jar org.nvit.distributed.AllReduceBench 3.2 22.9}
 */
public final class AllReduceBench {
    private AllReduceBench() {}

    public static void main(String[] args) {
        Communicator c = Communicators.fromEnvironment();
        for (String a : args.length == 0 ? new String[] {"3.2", "22.9"} : args) {
            long floats = (long) (Double.parseDouble(a) * 1e6 / Float.BYTES);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(ValueLayout.JAVA_FLOAT, floats);
                for (long i = 0; i < floats; i++) buf.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1e-3f);
                double[] ms = new double[30];
                for (int i = -5; i < ms.length; i++) {
                    c.barrier();
                    long t0 = System.nanoTime();
                    c.allReduce(buf, floats, Communicator.Op.SUM);
                    if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(ms);
                if (c.isRoot())
                    System.out.printf(Locale.ROOT, "all-reduce of %s MB (%d floats) over %d ranks (%s): median %.2f ms, fastest %.2f ms%n",
                            a, floats, c.size(), c.name(), ms[ms.length / 2], ms[0]);
            }
        }
        c.close();
    }
}
