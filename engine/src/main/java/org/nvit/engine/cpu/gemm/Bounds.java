package org.nvit.engine.cpu.gemm;

/** Argument checks for GEMM: every element the call can touch must lie inside its operand. */
final class Bounds {
    private Bounds() {}

    /** Lengths are the elements available from each operand's start offset. */
    static void check(boolean transA, boolean transB, int m, int n, int k,
                      long aLen, int lda, long strideA, long bLen, int ldb, long strideB,
                      long cLen, int ldc, long strideC, int batch) {
        if (m < 0 || n < 0 || k < 0 || batch < 0)
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k + " batch=" + batch);
        if (m == 0 || n == 0 || batch == 0) return;
        operand("C", m, n, ldc, strideC, batch, cLen);
        if (k == 0) return;
        operand("A", transA ? k : m, transA ? m : k, lda, strideA, batch, aLen);
        operand("B", transB ? n : k, transB ? k : n, ldb, strideB, batch, bLen);
    }

    private static void operand(String name, int rows, int cols, int ld, long stride, int batch, long len) {
        if (ld < cols)
            throw new IllegalArgumentException("gemm: ld" + name.toLowerCase() + "=" + ld + " is less than the "
                    + cols + " columns " + name + " is stored with; pass a leading dimension >= " + cols);
        if (stride < 0) throw new IllegalArgumentException("gemm: stride" + name + "=" + stride + " is negative");
        long need = (batch - 1) * stride + (long) (rows - 1) * ld + cols;
        if (need > len)
            throw new IllegalArgumentException("gemm: " + name + " needs " + need + " elements (" + batch + " x "
                    + rows + "x" + cols + ", ld " + ld + ", stride " + stride + ") but its tensor has " + len
                    + "; check the shape, leading dimension and batch stride");
    }
}
