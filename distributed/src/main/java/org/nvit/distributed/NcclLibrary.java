package org.nvit.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * NCCL's C ABI (nccl.h, stable since NCCL 2.0) as java.lang.foreign sees it. No NCCL is needed to build or test:
 * the descriptors are checked against the header's prototypes by the tests, and the library is opened only when a
 * multi-GPU run asks for it.
 */
final class NcclLibrary {
    /** {@code typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;}, NCCL_UNIQUE_ID_BYTES = 128, passed by value. */
    static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("internal"))
            .withName("ncclUniqueId");

    /** ncclResult_t ncclSuccess; ncclDataType_t ncclFloat32; ncclRedOp_t ncclSum, ncclMax, ncclMin; ncclUint8 for bytes. */
    static final int SUCCESS = 0, FLOAT32 = 7, UINT8 = 1, SUM = 0, MAX = 2, MIN = 3;

    /** Every function returns ncclResult_t except ncclGetErrorString (const char *). */
    static final Map<String, FunctionDescriptor> FUNCTIONS = functions();

    private static Map<String, FunctionDescriptor> functions() {
        Map<String, FunctionDescriptor> f = new LinkedHashMap<>();
        f.put("ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));                           // (int *version)
        f.put("ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));                          // (ncclUniqueId *)
        // (ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank)
        f.put("ncclCommInitRank", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT));
        // (const void *sendbuff, void *recvbuff, size_t count, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t)
        f.put("ncclAllReduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        // (const void *sendbuff, void *recvbuff, size_t count, ncclDataType_t, int root, ncclComm_t, cudaStream_t)
        f.put("ncclBroadcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        f.put("ncclGroupStart", FunctionDescriptor.of(JAVA_INT));                                    // (void)
        f.put("ncclGroupEnd", FunctionDescriptor.of(JAVA_INT));                                      // (void)
        f.put("ncclCommGetAsyncError", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));           // (ncclComm_t, ncclResult_t *)
        f.put("ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));                          // (ncclComm_t)
        f.put("ncclCommAbort", FunctionDescriptor.of(JAVA_INT, ADDRESS));                            // (ncclComm_t)
        f.put("ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));                       // const char *(ncclResult_t)
        return java.util.Collections.unmodifiableMap(f);
    }

    final String path;
    final Map<String, MethodHandle> fn = new LinkedHashMap<>();

    private NcclLibrary(String path, SymbolLookup lib) {
        this.path = path;
        Linker linker = Linker.nativeLinker();
        for (var e : FUNCTIONS.entrySet()) {
            MemorySegment at = lib.find(e.getKey()).orElseThrow(() ->
                    new IllegalStateException(path + " has no symbol " + e.getKey() + "; it is not NCCL 2"));
            fn.put(e.getKey(), linker.downcallHandle(at, e.getValue()));
        }
    }

    /**
     * The places NCCL is installed: NVIT_NCCL=/path/to/libnccl.so.2 first, then the loader's search path
     * (LD_LIBRARY_PATH, ld.so.cache: Debian's or NVIDIA's libnccl2 package), the CUDA toolkit, and the
     * {@code nvidia/nccl/lib} folder of a Python wheel (nvidia-nccl-cu12, which PyTorch pulls in).
     */
    static List<Path> candidates() {
        List<Path> c = new ArrayList<>();
        for (String d : List.of("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
                "/usr/local/nvidia/lib64"))
            c.add(Path.of(d, "libnccl.so.2"));
        List<Path> sitePackages = new ArrayList<>();
        String home = System.getProperty("user.home"), venv = System.getenv("VIRTUAL_ENV"), conda = System.getenv("CONDA_PREFIX");
        for (String root : new String[] {"/usr/lib", "/usr/local/lib", home + "/.local/lib", venv == null ? null : venv + "/lib",
                conda == null ? null : conda + "/lib"}) {
            if (root == null || !Files.isDirectory(Path.of(root))) continue;
            try (Stream<Path> s = Files.list(Path.of(root))) {
                s.filter(p -> p.getFileName().toString().startsWith("python3")).sorted().forEach(py -> {
                    sitePackages.add(py.resolve("site-packages"));
                    sitePackages.add(py.resolve("dist-packages"));
                });
            } catch (IOException ignored) {
                // an unreadable folder holds no NCCL we could load either
            }
        }
        for (Path sp : sitePackages) c.add(sp.resolve("nvidia/nccl/lib/libnccl.so.2"));
        if (conda != null) c.add(Path.of(conda, "lib", "libnccl.so.2"));
        return c;
    }

    /** Loads NCCL, or throws one line saying where it was looked for and how to point at it. */
    static NcclLibrary load() {
        Arena global = Arena.global();
        String env = System.getenv("NVIT_NCCL");
        if (env != null && !env.isBlank()) {
            if (!Files.isRegularFile(Path.of(env)))
                throw new IllegalStateException("NVIT_NCCL=" + env + " is no file; point it at libnccl.so.2");
            return new NcclLibrary(env, SymbolLookup.libraryLookup(Path.of(env), global));
        }
        try {
            return new NcclLibrary("libnccl.so.2", SymbolLookup.libraryLookup("libnccl.so.2", global));
        } catch (IllegalArgumentException notOnSearchPath) {
            for (Path p : candidates())
                if (Files.isRegularFile(p)) return new NcclLibrary(p.toString(), SymbolLookup.libraryLookup(p, global));
        }
        throw new IllegalStateException("NCCL (libnccl.so.2) was not found on the library path, in the CUDA toolkit or in a"
                + " Python wheel's nvidia/nccl/lib; install NVIDIA's libnccl2 or the nvidia-nccl-cu12 wheel, or set"
                + " NVIT_NCCL=/path/to/libnccl.so.2");
    }
}
