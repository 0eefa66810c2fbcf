package org.nvit.kernels;

/**
 * Column-major strided-batched GEMM in cuBLAS's own terms (cublasGemmStridedBatchedEx), on the backend's stream:
 * C_p = alpha * op(A_p) op(B_p) + beta * C_p with op(A) m x k, op(B) k x n, C m x n; strides and leading dimensions
 * in elements. {@link RowMajorGemm} maps the engine's row-major contract onto it.
 */
public interface Blas extends AutoCloseable {
    /** "jcublas (libcublas.so.12)" or "ffm (libcublas.so.13)", for the startup log. */
    String name();

    void gemm(int opA, int opB, int m, int n, int k, float alpha,
              DevPtr a, int aType, int lda, long strideA,
              DevPtr b, int bType, int ldb, long strideB,
              float beta, DevPtr c, int cType, int ldc, long strideC, int batch, int computeType);

    @Override void close();
}
