package org.nvit.engine.cpu.gemm;

/**
 * Per-thread pack buffers, grown on demand and then reused, so the GEMM loops never allocate. Each is used only by
 * its owning thread, inside one GEMM task.
 */
final class Workspace {
    private static final ThreadLocal<Workspace> LOCAL = ThreadLocal.withInitial(Workspace::new);

    float[] a = new float[0];
    float[] b = new float[0];
    final float[] tile = new float[Tiles.MR * Tiles.NR];

    static Workspace get() { return LOCAL.get(); }

    float[] a(int n) { if (a.length < n) a = new float[n]; return a; }

    float[] b(int n) { if (b.length < n) b = new float[n]; return b; }
}
