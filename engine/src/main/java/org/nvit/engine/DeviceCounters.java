package org.nvit.engine;

import java.util.Locale;

/**
 * What a device backend has done since it was created: kernel launches, GEMM library calls, host waits, copies in
 * each direction and allocations. A capability ({@code backend.capability(DeviceCounters.class)}); take a
 * {@link #counts()} before and after a step and subtract. A device-to-host copy blocks the host until the device has
 * caught up; it is counted as a copy, not again as a sync: {@code syncs} are the other waits (an explicit
 * {@code synchronize()}, a host-to-device copy that had to wait, an event wait that blocked).
 */
public interface DeviceCounters {
    Counts counts();

    /** A snapshot of the counters (or, from {@link #minus}, their change over some work). */
    record Counts(long launches, long blasCalls, long syncs, long h2dCopies, long h2dBytes, long d2hCopies,
                  long d2hBytes, long allocations, long rawAllocations) {

        public static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0, 0, 0, 0);

        public Counts minus(Counts o) {
            return new Counts(launches - o.launches, blasCalls - o.blasCalls, syncs - o.syncs, h2dCopies - o.h2dCopies,
                    h2dBytes - o.h2dBytes, d2hCopies - o.d2hCopies, d2hBytes - o.d2hBytes,
                    allocations - o.allocations, rawAllocations - o.rawAllocations);
        }

        public Counts plus(Counts o) {
            return new Counts(launches + o.launches, blasCalls + o.blasCalls, syncs + o.syncs, h2dCopies + o.h2dCopies,
                    h2dBytes + o.h2dBytes, d2hCopies + o.d2hCopies, d2hBytes + o.d2hBytes,
                    allocations + o.allocations, rawAllocations + o.rawAllocations);
        }

        /** Kernel launches plus GEMM library calls (each of which launches at least one kernel). */
        public long allLaunches() { return launches + blasCalls; }

        /** One line, per unit of work when {@code per} > 1 (e.g. per step over several steps). */
        public String format(int per) {
            double d = Math.max(1, per);
            return String.format(Locale.ROOT, "%.1f kernel launches + %.1f GEMM calls, %.1f host syncs, %.1f H2D copies"
                            + " (%.1f KiB), %.1f D2H copies (%.1f KiB), %.1f allocations (%.1f from the driver)",
                    launches / d, blasCalls / d, syncs / d, h2dCopies / d, h2dBytes / d / 1024, d2hCopies / d,
                    d2hBytes / d / 1024, allocations / d, rawAllocations / d);
        }
    }
}
