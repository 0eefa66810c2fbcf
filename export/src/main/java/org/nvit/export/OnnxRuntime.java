package org.nvit.export;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * ONNX Runtime's C API through java.lang.foreign, only as far as running one float input to one float output on the
 * CPU: the reference the exported graphs are checked against, and a column of the CPU comparison.
 * {@code OrtGetApiBase()->GetApi(version)} returns the {@code OrtApi} struct, a table of function pointers in the order
 * onnxruntime_c_api.h declares them; the table only ever grows, so the indices below (counted in that header,
 * the struct as of API version 13) hold for every later runtime. Opening checks the table against the runtime: a
 * status made with {@code CreateStatus} must read back its code and message through {@code GetErrorCode},
 * {@code GetErrorMessage} (a wrong index would fail there, not in the middle of a run).
 */
public final class OnnxRuntime {
    /** The API version requested: the header the indices were counted in. Newer runtimes serve older versions. */
    private static final int API_VERSION = 13;

    // OrtApi function-pointer indices (onnxruntime_c_api.h, struct OrtApi, counted from 0)
    private static final int CREATE_STATUS = 0, GET_ERROR_CODE = 1, GET_ERROR_MESSAGE = 2, CREATE_ENV = 3,
            CREATE_SESSION = 7, RUN = 9, CREATE_SESSION_OPTIONS = 10, SET_GRAPH_OPTIMIZATION_LEVEL = 23,
            SET_INTRA_OP_NUM_THREADS = 24, CREATE_TENSOR_WITH_DATA = 49, GET_TENSOR_MUTABLE_DATA = 51,
            GET_DIMENSIONS_COUNT = 61, GET_DIMENSIONS = 62, GET_TENSOR_TYPE_AND_SHAPE = 65, CREATE_CPU_MEMORY_INFO = 69,
            RELEASE_ENV = 92, RELEASE_STATUS = 93, RELEASE_MEMORY_INFO = 94, RELEASE_SESSION = 95, RELEASE_VALUE = 96,
            RELEASE_TENSOR_TYPE_AND_SHAPE_INFO = 99, RELEASE_SESSION_OPTIONS = 100;
    private static final int TABLE_SIZE = 101;

    // enum values from the same header
    private static final int ORT_LOGGING_LEVEL_ERROR = 3, ORT_ENABLE_ALL = 99, ORT_ARENA_ALLOCATOR = 1,
            ORT_MEM_TYPE_DEFAULT = 0, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT = 1, ORT_INVALID_ARGUMENT = 2;

    private final Linker linker = Linker.nativeLinker();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment api;
    private final MemorySegment env;
    private final MemorySegment memoryInfo;
    public final String version;

    /** Loads the library and creates the runtime's environment; throws IllegalStateException with the reason. */
    public OnnxRuntime(Path library) throws Throwable {
        SymbolLookup lib = SymbolLookup.libraryLookup(library, arena);
        MemorySegment getApiBase = lib.find("OrtGetApiBase").orElseThrow(
                () -> new IllegalStateException(library + " has no OrtGetApiBase: not an ONNX Runtime library"));
        MemorySegment base = ((MemorySegment) linker.downcallHandle(getApiBase, FunctionDescriptor.of(ADDRESS)).invokeExact())
                .reinterpret(2 * ADDRESS.byteSize());
        // struct OrtApiBase { GetApi(uint32_t); GetVersionString(void); }
        MemorySegment versionPtr = (MemorySegment) linker.downcallHandle(base.getAtIndex(ADDRESS, 1),
                FunctionDescriptor.of(ADDRESS)).invokeExact();
        version = versionPtr.reinterpret(64).getString(0);
        MemorySegment a = (MemorySegment) linker.downcallHandle(base.getAtIndex(ADDRESS, 0),
                FunctionDescriptor.of(ADDRESS, JAVA_INT)).invokeExact(API_VERSION);
        if (a.equals(MemorySegment.NULL)) throw new IllegalStateException("ONNX Runtime " + version + " does not serve API " + API_VERSION);
        api = a.reinterpret(TABLE_SIZE * ADDRESS.byteSize());
        checkTable();
        try (Arena local = Arena.ofConfined()) {
            MemorySegment out = local.allocate(ADDRESS);
            check((MemorySegment) fn(CREATE_ENV, FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, ADDRESS))
                    .invokeExact(ORT_LOGGING_LEVEL_ERROR, local.allocateFrom("nvit"), out), "CreateEnv");
            env = out.get(ADDRESS, 0);
            check((MemorySegment) fn(CREATE_CPU_MEMORY_INFO, FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS))
                    .invokeExact(ORT_ARENA_ALLOCATOR, ORT_MEM_TYPE_DEFAULT, out), "CreateCpuMemoryInfo");
            memoryInfo = out.get(ADDRESS, 0);
        }
    }

    private MethodHandle fn(int index, FunctionDescriptor d) {
        return linker.downcallHandle(api.getAtIndex(ADDRESS, index), d);
    }

    private void checkTable() throws Throwable {
        try (Arena local = Arena.ofConfined()) {
            MemorySegment st = (MemorySegment) fn(CREATE_STATUS, FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS))
                    .invokeExact(ORT_INVALID_ARGUMENT, local.allocateFrom("nvit-probe"));
            int code = (int) fn(GET_ERROR_CODE, FunctionDescriptor.of(JAVA_INT, ADDRESS)).invokeExact(st);
            String msg = errorMessage(st);
            fn(RELEASE_STATUS, FunctionDescriptor.ofVoid(ADDRESS)).invokeExact(st);
            if (code != ORT_INVALID_ARGUMENT || !msg.equals("nvit-probe"))
                throw new IllegalStateException("ONNX Runtime " + version + "'s OrtApi table does not match the indices used here");
        }
    }

    private String errorMessage(MemorySegment status) throws Throwable {
        MemorySegment m = (MemorySegment) fn(GET_ERROR_MESSAGE, FunctionDescriptor.of(ADDRESS, ADDRESS)).invokeExact(status);
        return m.reinterpret(4096).getString(0);
    }

    /** A non-null OrtStatus is an error: its message becomes the exception, and the status is released. */
    private void check(MemorySegment status, String what) throws Throwable {
        if (status.equals(MemorySegment.NULL)) return;
        String msg = errorMessage(status);
        fn(RELEASE_STATUS, FunctionDescriptor.ofVoid(ADDRESS)).invokeExact(status);
        throw new IllegalStateException("ONNX Runtime " + what + ": " + msg);
    }

    private void release(int index, MemorySegment p) throws Throwable {
        if (!p.equals(MemorySegment.NULL)) fn(index, FunctionDescriptor.ofVoid(ADDRESS)).invokeExact(p);
    }

    /** The output of one run: its shape and values. */
    public record Result(long[] shape, float[] values) {}

    /** A loaded model; run it as often as needed, then close it. */
    public final class Session implements AutoCloseable {
        private final MemorySegment session;

        /** Session options as the project measures ONNX Runtime: {@code threads} intra-op threads, every graph optimisation. */
        Session(Path model, int threads) throws Throwable {
            try (Arena local = Arena.ofConfined()) {
                MemorySegment out = local.allocate(ADDRESS);
                check((MemorySegment) fn(CREATE_SESSION_OPTIONS, FunctionDescriptor.of(ADDRESS, ADDRESS)).invokeExact(out),
                        "CreateSessionOptions");
                MemorySegment options = out.get(ADDRESS, 0);
                try {
                    check((MemorySegment) fn(SET_INTRA_OP_NUM_THREADS, FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT))
                            .invokeExact(options, threads), "SetIntraOpNumThreads");
                    check((MemorySegment) fn(SET_GRAPH_OPTIMIZATION_LEVEL, FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT))
                            .invokeExact(options, ORT_ENABLE_ALL), "SetSessionGraphOptimizationLevel");
                    check((MemorySegment) fn(CREATE_SESSION, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS))
                            .invokeExact(env, local.allocateFrom(model.toString()), options, out), "CreateSession");
                    session = out.get(ADDRESS, 0);
                } finally {
                    release(RELEASE_SESSION_OPTIONS, options);
                }
            }
        }

        /** Runs the model on one float32 input and returns the named float32 output. */
        public Result run(String inputName, float[] data, long[] shape, String outputName) throws Throwable {
            try (Arena local = Arena.ofConfined()) {
                MemorySegment buf = local.allocateFrom(JAVA_FLOAT, data);
                MemorySegment dims = local.allocateFrom(JAVA_LONG, shape);
                MemorySegment out = local.allocate(ADDRESS);
                check((MemorySegment) fn(CREATE_TENSOR_WITH_DATA, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG,
                                ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS))
                        .invokeExact(memoryInfo, buf, buf.byteSize(), dims, (long) shape.length, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, out),
                        "CreateTensorWithDataAsOrtValue");
                MemorySegment input = out.get(ADDRESS, 0);
                MemorySegment output = MemorySegment.NULL;
                try {
                    MemorySegment inNames = local.allocateFrom(ADDRESS, local.allocateFrom(inputName));
                    MemorySegment outNames = local.allocateFrom(ADDRESS, local.allocateFrom(outputName));
                    MemorySegment inputs = local.allocateFrom(ADDRESS, input);
                    MemorySegment outputs = local.allocate(ADDRESS);
                    outputs.set(ADDRESS, 0, MemorySegment.NULL);
                    check((MemorySegment) fn(RUN, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG,
                                    ADDRESS, JAVA_LONG, ADDRESS))
                            .invokeExact(session, MemorySegment.NULL, inNames, inputs, 1L, outNames, 1L, outputs), "Run");
                    output = outputs.get(ADDRESS, 0);
                    long[] outShape = shapeOf(output, local);
                    long n = 1;
                    for (long d : outShape) n *= d;
                    check((MemorySegment) fn(GET_TENSOR_MUTABLE_DATA, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS))
                            .invokeExact(output, out), "GetTensorMutableData");
                    float[] values = out.get(ADDRESS, 0).reinterpret(n * 4).toArray(JAVA_FLOAT);
                    return new Result(outShape, values);
                } finally {
                    release(RELEASE_VALUE, output);
                    release(RELEASE_VALUE, input);
                }
            }
        }

        private long[] shapeOf(MemorySegment value, Arena local) throws Throwable {
            MemorySegment out = local.allocate(ADDRESS);
            check((MemorySegment) fn(GET_TENSOR_TYPE_AND_SHAPE, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS))
                    .invokeExact(value, out), "GetTensorTypeAndShape");
            MemorySegment info = out.get(ADDRESS, 0);
            try {
                MemorySegment count = local.allocate(JAVA_LONG);
                check((MemorySegment) fn(GET_DIMENSIONS_COUNT, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS))
                        .invokeExact(info, count), "GetDimensionsCount");
                long rank = count.get(JAVA_LONG, 0);
                MemorySegment dims = local.allocate(MemoryLayout.sequenceLayout(Math.max(rank, 1), JAVA_LONG));
                check((MemorySegment) fn(GET_DIMENSIONS, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG))
                        .invokeExact(info, dims, rank), "GetDimensions");
                return dims.asSlice(0, rank * 8).toArray(JAVA_LONG);
            } finally {
                release(RELEASE_TENSOR_TYPE_AND_SHAPE_INFO, info);
            }
        }

        @Override public void close() throws Exception {
            try { release(RELEASE_SESSION, session); }
            catch (Exception | Error e) { throw e; }
            catch (Throwable t) { throw new IllegalStateException(t); }
        }
    }

    /** A session with 2 intra-op threads (this project's reference machine has 2 cores). */
    public Session open(Path model) throws Throwable { return new Session(model, 2); }

    public Session open(Path model, int threads) throws Throwable { return new Session(model, threads); }

    /** Releases the environment (after every session is closed). */
    public void close() throws Throwable {
        release(RELEASE_MEMORY_INFO, memoryInfo);
        release(RELEASE_ENV, env);
    }
}
