package org.nvit.kernels;

import java.util.Locale;

/**
 * GEMM precision on the GPU. Storage stays float32 everywhere; TF32 uses the tensor cores' 10-bit-mantissa mode,
 * BF16 rounds both operands to bfloat16 and accumulates in float32.
 */
public enum Precision {
    FP32(CublasConst.COMPUTE_32F), TF32(CublasConst.COMPUTE_32F_FAST_TF32), BF16(CublasConst.COMPUTE_32F);

    /** The cublasComputeType_t passed to cublasGemmEx. */
    public final int computeType;

    Precision(int computeType) { this.computeType = computeType; }

    /** The relative error bound tests hold each precision to (max|got-ref| / max|ref|). */
    public double tolerance() {
        return switch (this) { case FP32 -> 1e-5; case TF32 -> 2e-3; case BF16 -> 1.5e-2; };
    }

    public static Precision parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "fp32", "f32", "float32" -> FP32;
            case "tf32" -> TF32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("unknown GEMM precision '" + s + "': use fp32, tf32 or bf16");
        };
    }
}
