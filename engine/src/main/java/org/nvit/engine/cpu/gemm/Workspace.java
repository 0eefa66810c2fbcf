package org.nvit.engine.cpu.gemm;

/**
 * Per-thread pack buffers, grown on demand and then reused, so the GEMM loops never allocate. {@code sharedB} belongs
 * to the thread that calls GEMM (workers only read it during that call); {@code a}, {@code b} and {@code tile} are
 * used by the thread that owns them inside one task.
 */
final class Workspace {
    private static final ThreadLocal<Workspace> LOCAL = ThreadLocal.withInitial(Workspace::new);

    float[] a = new float[0];
    float[] b = new float[0];
    float[] sharedB = new float[0];
    final float[] tile = new float[Tiles.MR * Tiles.NR];

    static Workspace get() { return LOCAL.get(); }

    float[] a(int n) { if (a.length < n) a = new float[n]; return a; }

    float[] b(int n) { if (b.length < n) b = new float[n]; return b; }

    float[] sharedB(int n) { if (sharedB.length < n) sharedB = new float[n]; return sharedB; }
}
