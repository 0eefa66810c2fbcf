package org.nvit.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The hand-written cuBLAS FFM symbol table: names, arities, layouts, and a clean failure without cuBLAS/GPU. */
class FfmBindingTest {
    /** Parameter counts of the C prototypes in cublas_api.h. */
    private static final Map<String, Integer> ARITY = Map.of("cublasCreate_v2", 1, "cublasDestroy_v2", 1,
            "cublasSetStream_v2", 2, "cublasSetMathMode", 2, "cublasGemmEx", 19, "cublasGemmStridedBatchedEx", 23);

    @Test
    void descriptorsMatchThePrototypes() {
        assertEquals(ARITY.keySet(), FfmCublasBlas.SYMBOLS.keySet());
        Linker linker = Linker.nativeLinker();
        for (var e : FfmCublasBlas.SYMBOLS.entrySet()) {
            FunctionDescriptor d = e.getValue();
            assertEquals(ARITY.get(e.getKey()), d.argumentLayouts().size(), e.getKey() + " arity");
            assertEquals(ValueLayout.JAVA_INT, d.returnLayout().orElseThrow(), e.getKey() + " returns cublasStatus_t");
            assertEquals(ValueLayout.ADDRESS, d.argumentLayouts().getFirst(), e.getKey() + " takes the handle first");
            assertNotNull(linker.downcallHandle(d), e.getKey() + " is a valid downcall shape");
        }
        // the strided variant has long long strides after lda, ldb and ldc (argument 10, 14, 19)
        var strided = FfmCublasBlas.SYMBOLS.get("cublasGemmStridedBatchedEx").argumentLayouts();
        for (int i : new int[]{10, 14, 19}) assertEquals(ValueLayout.JAVA_LONG, strided.get(i), "stride at " + i);
        long longs = strided.stream().filter(l -> l.equals(ValueLayout.JAVA_LONG)).count();
        assertEquals(3, longs);
        var gemm = FfmCublasBlas.SYMBOLS.get("cublasGemmEx").argumentLayouts();
        for (int i : new int[]{6, 7, 10, 13, 14}) assertEquals(ValueLayout.ADDRESS, gemm.get(i), "pointer at " + i);
    }

    @Test
    void failsWithOneLineReasonWhenCublasOrGpuIsMissing() {
        // here there is either no libcublas at all, or one whose cublasCreate fails without a GPU
        IllegalStateException e;
        try {
            e = assertThrows(IllegalStateException.class, () -> new FfmCublasBlas(0L).close());
        } catch (AssertionError onGpuHost) {
            return; // a working cuBLAS and GPU: the GPU tests exercise it
        }
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(e.getMessage().contains("cuBLAS") || e.getMessage().contains("cublas"), e.getMessage());
    }
}
