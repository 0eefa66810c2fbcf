package org.nvit.distributed;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Open MPI's C ABI as java.lang.foreign sees it: the functions we call with their prototypes from mpi.h, and the
 * predefined handles. In Open MPI a handle (MPI_Comm, MPI_Datatype, MPI_Op) is a pointer, and the predefined ones
 * (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are the addresses of global objects the library exports
 * ({@code ompi_mpi_comm_world}, ...), so a symbol lookup gives them directly. MPICH-family libraries use integer
 * handles instead and are not bound here.
 */
final class MpiLibrary {
    /** Tried in order; NVIT_MPI_LIBRARY=/path/to/libmpi.so goes first. */
    static final List<String> LIBRARIES = List.of("libmpi.so.40", "libmpi.so");

    /** mpi.h: every function returns an int error code (MPI_SUCCESS = 0). */
    static final Map<String, FunctionDescriptor> FUNCTIONS = functions();

    /** The exported objects whose addresses are MPI's predefined handles. */
    static final List<String> HANDLES = List.of("ompi_mpi_comm_world", "ompi_mpi_float", "ompi_mpi_byte",
            "ompi_mpi_op_sum", "ompi_mpi_op_max", "ompi_mpi_op_min");

    static final int SUCCESS = 0;
    /** enum { MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED, MPI_THREAD_MULTIPLE } in mpi.h. */
    static final int THREAD_SERIALIZED = 2;
    /** MPI_MAX_ERROR_STRING (OPAL_MAX_ERROR_STRING) in Open MPI 4 and 5. */
    static final int MAX_ERROR_STRING = 256;

    private static Map<String, FunctionDescriptor> functions() {
        Map<String, FunctionDescriptor> f = new LinkedHashMap<>();
        f.put("MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));                         // (int *flag)
        f.put("MPI_Init_thread", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS)); // (int *argc, char ***argv, int required, int *provided)
        f.put("MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));                  // (MPI_Comm, int *rank)
        f.put("MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));                  // (MPI_Comm, int *size)
        // (const void *sendbuf, void *recvbuf, int count, MPI_Datatype, MPI_Op, MPI_Comm)
        f.put("MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        // (void *buffer, int count, MPI_Datatype, int root, MPI_Comm)
        f.put("MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        f.put("MPI_Barrier", FunctionDescriptor.of(JAVA_INT, ADDRESS));                             // (MPI_Comm)
        f.put("MPI_Finalize", FunctionDescriptor.of(JAVA_INT));                                     // (void)
        f.put("MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));                           // (int *flag)
        f.put("MPI_Abort", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));                     // (MPI_Comm, int errorcode)
        f.put("MPI_Error_string", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));     // (int, char *string, int *resultlen)
        return java.util.Collections.unmodifiableMap(f);
    }

    /** MPI_IN_PLACE: ((void *) 1) in Open MPI's mpi.h. */
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);

    final String path;
    final Map<String, MethodHandle> fn = new LinkedHashMap<>();
    final Map<String, MemorySegment> handle = new LinkedHashMap<>();

    private MpiLibrary(String path, SymbolLookup lib) {
        this.path = path;
        Linker linker = Linker.nativeLinker();
        for (var e : FUNCTIONS.entrySet())
            fn.put(e.getKey(), linker.downcallHandle(find(lib, e.getKey()), e.getValue()));
        for (String h : HANDLES) handle.put(h, find(lib, h));
    }

    private MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException(path + " has no symbol " + name
                + ": it is not Open MPI (MPICH-family libraries are not supported); install Debian's libopenmpi3"));
    }

    /** Loads the library, or throws one line naming what to install. */
    static MpiLibrary load() { return load(System.getenv("NVIT_MPI_LIBRARY"), LIBRARIES); }

    static MpiLibrary load(String env, List<String> names) {
        List<String> tried = new ArrayList<>();
        Arena global = Arena.global(); // MPI stays loaded for the life of the process
        if (env != null && !env.isBlank()) {
            if (Files.isRegularFile(Path.of(env))) return new MpiLibrary(env, SymbolLookup.libraryLookup(Path.of(env), global));
            tried.add(env + " (NVIT_MPI_LIBRARY: no such file)");
        }
        for (String name : names) {
            try {
                return new MpiLibrary(name, SymbolLookup.libraryLookup(name, global));
            } catch (IllegalArgumentException notFound) {
                tried.add(name);
            }
        }
        throw new IllegalStateException("Open MPI's library could not be loaded (tried " + String.join(", ", tried)
                + "); install it with: apt-get install openmpi-bin libopenmpi3 (or set NVIT_MPI_LIBRARY=/path/to/libmpi.so.40)");
    }
}
