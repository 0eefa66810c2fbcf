package org.nvit.autograd;

/** try (var s = NoGrad.open()) { ... }: ops inside record nothing (inference, teachers, EMA). */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private NoGrad() {}

    public static NoGrad open() {
        DEPTH.get()[0]++;
        return new NoGrad();
    }

    public static boolean active() { return DEPTH.get()[0] > 0; }

    @Override public void close() { DEPTH.get()[0]--; }
}
