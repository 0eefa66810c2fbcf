package org.nvit.kernels;

/**
 * The swap trick: a row-major matrix is its transpose in column-major order, so the row-major C = op(A) op(B) is the
 * column-major C^T = op(B)^T op(A)^T: call the column-major GEMM with A and B exchanged and m and n exchanged; each
 * operand keeps its own transpose flag and leading dimension.
 */
public record RowMajorGemm(int opFirst, int opSecond, int m, int n, int k, boolean swapped) {

    /** The column-major call for a row-major request: first operand is B, second is A. */
    public static RowMajorGemm of(boolean transA, boolean transB, int m, int n, int k) {
        return new RowMajorGemm(transB ? CublasConst.OP_T : CublasConst.OP_N,
                transA ? CublasConst.OP_T : CublasConst.OP_N, n, m, k, true);
    }

    /**
     * Plain column-major reference GEMM (what cuBLAS computes), used to test the mapping without a GPU:
     * C[i + j*ldc] = alpha * sum_l opA(i,l) opB(l,j) + beta * C (C not read when beta == 0).
     */
    public static void columnMajorReference(int opA, int opB, int m, int n, int k, float alpha,
                                            float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc) {
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int l = 0; l < k; l++) {
                    double av = opA == CublasConst.OP_N ? a[i + l * lda] : a[l + i * lda];
                    double bv = opB == CublasConst.OP_N ? b[l + j * ldb] : b[j + l * ldb];
                    s += av * bv;
                }
                c[i + j * ldc] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[i + j * ldc]));
            }
    }
}
