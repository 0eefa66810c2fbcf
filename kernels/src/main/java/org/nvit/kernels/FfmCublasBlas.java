package org.nvit.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS bound by hand with the FFM API (java.lang.foreign), for hosts that only have CUDA 13's libcublas.so.13,
 * which JCublas 12.6 cannot load (its symbols are versioned libcublas.so.12). Device pointers are raw addresses in
 * the primary context that the JCuda driver API also uses; the stream is the backend's stream.
 */
final class FfmCublasBlas implements Blas {
    /** Library names tried in order (dlopen search: LD_LIBRARY_PATH, ld.so.cache); NVIT_CUBLAS=path goes first. */
    static final List<String> LIBRARIES = List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so");

    /** The C prototypes we bind (cublas_api.h, unchanged between cuBLAS 12 and 13); every one returns cublasStatus_t. */
    static final Map<String, FunctionDescriptor> SYMBOLS = symbols();

    private static Map<String, FunctionDescriptor> symbols() {
        Map<String, FunctionDescriptor> s = new LinkedHashMap<>();
        s.put("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));              // (cublasHandle_t*)
        s.put("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));             // (handle)
        s.put("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));  // (handle, cudaStream_t)
        s.put("cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));  // (handle, cublasMath_t)
        // (handle, transa, transb, m, n, k, alpha*, A, Atype, lda, B, Btype, ldb, beta*, C, Ctype, ldc, compute, algo)
        s.put("cublasGemmEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT));
        // as above with long long strides after lda, ldb, ldc and int batchCount before compute
        s.put("cublasGemmStridedBatchedEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        return Map.copyOf(s);
    }

    private final String library;
    private final Arena arena = Arena.ofShared();
    private final MethodHandle destroy, gemmEx, gemmBatched;
    private final MemorySegment handle, alphaBeta;

    /** Binds and creates a handle on {@code streamAddress}; throws with a one-line reason when that is impossible. */
    FfmCublasBlas(long streamAddress) {
        Linker linker = Linker.nativeLinker();
        String[] found = new String[1];
        SymbolLookup lib = open(found);
        library = found[0];
        Map<String, MethodHandle> h = new LinkedHashMap<>();
        for (var e : SYMBOLS.entrySet()) {
            MemorySegment addr = lib.find(e.getKey()).orElseThrow(() ->
                    new IllegalStateException(library + " has no symbol " + e.getKey()));
            h.put(e.getKey(), linker.downcallHandle(addr, e.getValue()));
        }
        destroy = h.get("cublasDestroy_v2");
        gemmEx = h.get("cublasGemmEx");
        gemmBatched = h.get("cublasGemmStridedBatchedEx");
        MemorySegment out = arena.allocate(ADDRESS);
        check(call(h.get("cublasCreate_v2"), out), "cublasCreate_v2");
        handle = out.get(ADDRESS, 0);
        try {
            check((int) h.get("cublasSetStream_v2").invokeExact(handle, MemorySegment.ofAddress(streamAddress)),
                    "cublasSetStream_v2");
            check((int) h.get("cublasSetMathMode").invokeExact(handle, CublasConst.DEFAULT_MATH), "cublasSetMathMode");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cuBLAS setup failed: " + t, t);
        }
        alphaBeta = arena.allocate(ValueLayout.JAVA_FLOAT, 2);
    }

    /**
     * NVIT_CUBLAS if set, else each name through the loader's search, else the toolkit's, conda's and Python wheels'
     * folders (NativeLibraries), loading libcublasLt from the same folder first (libcublas needs it by name). The
     * error names every name and folder tried.
     */
    private SymbolLookup open(String[] found) {
        List<String> tried = new ArrayList<>();
        String env = System.getenv("NVIT_CUBLAS");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (Files.isRegularFile(p)) {
                found[0] = p.toString();
                return fromFolder(p);
            }
            tried.add(env + " (NVIT_CUBLAS: no such file)");
        }
        for (String name : LIBRARIES) {
            try {
                SymbolLookup l = SymbolLookup.libraryLookup(name, arena);
                found[0] = name;
                return l;
            } catch (IllegalArgumentException e) {
                tried.add(name);
            }
        }
        NativeLibraries.Search s = NativeLibraries.find(NativeLibraries.system().libraryFolders(), LIBRARIES);
        if (s.found().isPresent()) {
            found[0] = s.found().get().toString();
            return fromFolder(s.found().get());
        }
        throw new IllegalStateException("no cuBLAS library could be loaded (tried " + String.join(", ", tried)
                + " on the loader path, then the folders " + s.describe() + "); add its folder to LD_LIBRARY_PATH or"
                + " set NVIT_CUBLAS=/path/to/libcublas.so.13");
    }

    /** Opens a cuBLAS file by path, with the libcublasLt of its folder loaded first when there is one. */
    private SymbolLookup fromFolder(Path lib) {
        String name = lib.getFileName().toString();
        String lt = name.replace("libcublas.so", "libcublasLt.so");
        Path ltPath = lib.resolveSibling(lt);
        if (!lt.equals(name) && Files.exists(ltPath)) SymbolLookup.libraryLookup(ltPath, arena);
        return SymbolLookup.libraryLookup(lib, arena);
    }

    private static int call(MethodHandle h, MemorySegment arg) {
        try {
            return (int) h.invokeExact(arg);
        } catch (Throwable t) {
            throw new IllegalStateException("cuBLAS call failed: " + t, t);
        }
    }

    static void check(int status, String what) {
        if (status != CublasConst.STATUS_SUCCESS)
            throw new IllegalStateException(what + " returned cublasStatus " + status);
    }

    @Override public String name() { return "ffm (" + library + ")"; }

    @Override
    public synchronized void gemm(int opA, int opB, int m, int n, int k, float alpha,
                                  DevPtr a, int aType, int lda, long strideA, DevPtr b, int bType, int ldb,
                                  long strideB, float beta, DevPtr c, int cType, int ldc, long strideC, int batch,
                                  int computeType) {
        // host pointer mode: cuBLAS reads alpha/beta during the call, so one buffer serves every call
        alphaBeta.setAtIndex(ValueLayout.JAVA_FLOAT, 0, alpha);
        alphaBeta.setAtIndex(ValueLayout.JAVA_FLOAT, 1, beta);
        MemorySegment al = alphaBeta, be = alphaBeta.asSlice(4);
        MemorySegment pa = MemorySegment.ofAddress(a.address()), pb = MemorySegment.ofAddress(b.address()),
                pc = MemorySegment.ofAddress(c.address());
        int st;
        try {
            if (batch == 1) {
                st = (int) gemmEx.invokeExact(handle, opA, opB, m, n, k, al, pa, aType, lda, pb, bType, ldb, be, pc,
                        cType, ldc, computeType, CublasConst.GEMM_DEFAULT);
            } else {
                st = (int) gemmBatched.invokeExact(handle, opA, opB, m, n, k, al, pa, aType, lda, strideA, pb, bType,
                        ldb, strideB, be, pc, cType, ldc, strideC, batch, computeType, CublasConst.GEMM_DEFAULT);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("cublasGemmEx call failed: " + t, t);
        }
        check(st, batch == 1 ? "cublasGemmEx" : "cublasGemmStridedBatchedEx");
    }

    @Override public void close() {
        call(destroy, handle);
        arena.close();
    }
}
