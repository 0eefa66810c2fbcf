package org.nvit.kernels;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.CudaException;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

import static jcuda.driver.JCudaDriver.*;

/**
 * One GPU as the CUDA backend sees it: the primary context (shared with cuBLAS), one stream for all work, the kernel
 * module loaded from the fatbin resource, the caching allocator and the GEMM library. Every public entry point makes
 * the context current on the calling thread first.
 */
class Gpu implements AutoCloseable {
    static final String FATBIN = "nvit_kernels.fatbin";
    private static final Logger LOG = Logger.getLogger(Gpu.class.getName());

    final CUcontext context = new CUcontext();
    final StreamPtr stream = new StreamPtr();
    /** A second stream for batch uploads that overlap the main stream's work (see {@link BatchUploads}). */
    final CUstream sideStream = new CUstream();
    final String deviceName;
    final int multiprocessors;
    /** Dynamic shared memory a block may opt into (bytes). */
    final int sharedMemoryOptin;
    final CachingAllocator<DevPtr> memory;
    final Blas blas;
    final GpuCounters counters;
    private final CUdevice device = new CUdevice();
    private final CUmodule module = new CUmodule();
    private final ConcurrentHashMap<String, CUfunction> functions = new ConcurrentHashMap<>();
    /** The dynamic shared memory each kernel has been allowed so far (past the 48 KiB default). */
    private final ConcurrentHashMap<String, Integer> sharedAllowed = new ConcurrentHashMap<>();
    private PinnedRing staging;
    private BatchUploads batches;
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);

    /** For tests without a GPU: no driver calls; subclasses override launch, copies and synchronisation. */
    Gpu(String deviceName, int multiprocessors, CachingAllocator.Raw<DevPtr> raw, Blas blas) {
        this.deviceName = deviceName;
        this.multiprocessors = multiprocessors;
        this.sharedMemoryOptin = 227 * 1024; // an H100/H200's limit
        this.memory = new CachingAllocator<>(raw);
        this.blas = blas;
        this.counters = new GpuCounters(memory);
    }

    /**
     * Loads libcuda.so.1 by its full path when the loader's search misses it (NativeLibraries), so that JCuda's
     * driver binding, which needs it by name, finds it; throws naming every folder searched when it is nowhere.
     */
    static void loadDriver() {
        try {
            java.lang.foreign.SymbolLookup.libraryLookup("libcuda.so.1", java.lang.foreign.Arena.global());
            return;
        } catch (IllegalArgumentException notOnTheLoaderPath) {
            // search the usual folders below
        }
        NativeLibraries.Search s = NativeLibraries.find(NativeLibraries.system().driverFolders(), List.of("libcuda.so.1"));
        if (s.found().isEmpty())
            throw new UnsatisfiedLinkError("libcuda.so.1 (the CUDA driver) is not on the loader path (LD_LIBRARY_PATH,"
                    + " ld.so.cache) nor in " + s.describe());
        System.load(s.found().get().toString());
        LOG.info(() -> "CUDA driver loaded from " + s.found().get());
    }

    /** Opens device 0; throws (LinkageError, CudaException, IllegalStateException) with the reason when it cannot. */
    Gpu() {
        loadDriver();
        JCudaDriver.setExceptionsEnabled(true); // loads libJCudaDriver, which needs libcuda.so.1
        cuInit(0);
        int[] count = {0};
        cuDeviceGetCount(count);
        if (count[0] == 0) throw new IllegalStateException("the CUDA driver sees no GPU");
        byte[] fatbin = readFatbin();
        cuDeviceGet(device, 0);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        deviceName = new String(name).trim().replace("\0", "");
        int[] sm = {0};
        cuDeviceGetAttribute(sm, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
        multiprocessors = sm[0];
        int[] optin = {0};
        cuDeviceGetAttribute(optin, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, device);
        sharedMemoryOptin = optin[0];
        cuDevicePrimaryCtxRetain(context, device);
        makeCurrent();
        cuStreamCreate(stream, 0); // blocking w.r.t. the legacy stream, so synchronous copies stay ordered
        cuStreamCreate(sideStream, jcuda.driver.CUstream_flags.CU_STREAM_NON_BLOCKING);
        cuModuleLoadData(module, fatbin);
        memory = new CachingAllocator<>(new CachingAllocator.Raw<>() {
            @Override public DevPtr allocate(long bytes) {
                DevPtr p = new DevPtr();
                try {
                    cuMemAlloc(p, bytes);
                } catch (CudaException e) {
                    if (isOutOfMemory(e)) throw new CachingAllocator.OutOfDeviceMemory("CUDA device memory exhausted (" + bytes + " bytes)");
                    throw e;
                }
                return p;
            }

            @Override public void free(DevPtr block) { cuMemFree(block); }

            // cached blocks may still be read by queued kernels: wait for both streams before freeing any
            @Override public void beforeFree() {
                counters.syncs.increment();
                cuCtxSynchronize();
            }
        });
        counters = new GpuCounters(memory);
        blas = openBlas();
        LOG.info(() -> "CUDA backend on " + deviceName + " (" + multiprocessors + " SMs), GEMM via " + blas.name());
    }

    private static byte[] readFatbin() {
        try (InputStream in = Gpu.class.getResourceAsStream(FATBIN)) {
            if (in == null)
                throw new IllegalStateException("the jar has no CUDA kernels (" + FATBIN
                        + " missing: it was built without nvcc on the PATH)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + FATBIN + ": " + e.getMessage(), e);
        }
    }

    private Blas openBlas() {
        List<String> why = new ArrayList<>();
        String force = System.getProperty("nvit.cuda.blas", "auto");
        if (!force.equals("ffm")) {
            try {
                return new JCublasBlas(stream);
            } catch (Throwable t) {
                why.add("jcublas: " + oneLine(t));
            }
        }
        try {
            return new FfmCublasBlas(stream.address());
        } catch (Throwable t) {
            why.add("ffm: " + oneLine(t));
        }
        throw new IllegalStateException("no cuBLAS binding works: " + String.join("; ", why));
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }

    void makeCurrent() {
        if (!current.get()) {
            cuCtxSetCurrent(context);
            current.set(true);
        }
    }

    CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, n);
            return f;
        });
    }

    /**
     * Launches kernel {@code name} on the stream. Arguments: DevPtr (or null: a null pointer), Integer (int),
     * Long (long long), Float (float). The caller passes exactly the kernel's parameter types.
     */
    final void launch(String name, int gridX, int gridY, int blockX, int blockY, Object... args) {
        launch3(name, gridX, gridY, 1, blockX, blockY, 0, args);
    }

    /** {@link #launch} over a 3-D grid with {@code sharedBytes} of dynamic shared memory. */
    final void launch3(String name, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes,
                       Object... args) {
        counters.launches.increment();
        enqueue(name, gridX, gridY, gridZ, blockX, blockY, sharedBytes, args);
    }

    /** The driver call behind {@link #launch} (test doubles record it instead). */
    void enqueue(String name, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object[] args) {
        makeCurrent();
        if (sharedBytes > 48 * 1024 && sharedAllowed.getOrDefault(name, 0) < sharedBytes) { // opt in past 48 KiB
            cuFuncSetAttribute(function(name),
                    jcuda.driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes);
            sharedAllowed.put(name, sharedBytes);
        }
        Pointer[] ps = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            ps[i] = switch (a) {
                case null -> Pointer.to(new long[]{0});
                case DevPtr p -> Pointer.to(new long[]{p.address()}); // the raw address: no offset semantics to trust
                case Integer v -> Pointer.to(new int[]{v});
                case Long v -> Pointer.to(new long[]{v});
                case Float v -> Pointer.to(new float[]{v});
                case byte[] v -> Pointer.to(v); // a struct passed by value, laid out by the caller
                default -> throw new IllegalArgumentException("unsupported kernel argument " + a.getClass());
            };
        }
        cuLaunchKernel(function(name), gridX, gridY, gridZ, blockX, blockY, 1, sharedBytes, stream, Pointer.to(ps), null);
    }

    /** Grid size for a grid-stride elementwise launch of 256-thread blocks. */
    int elementwiseBlocks(long n) {
        long b = (n + 255) / 256;
        return (int) Math.max(1, Math.min(b, Math.max(1, multiprocessors) * 32L));
    }

    /** Blocks the host until the stream's queued work is done (counted as a host sync). */
    final void synchronize() {
        counters.syncs.increment();
        streamSync();
    }

    void streamSync() {
        makeCurrent();
        cuStreamSynchronize(stream);
    }

    /**
     * Copies host floats to the device, queued on the stream after the work already there: the values go to a pinned
     * staging buffer first, so the host does not wait for the device (and may reuse src at once).
     */
    final void upload(float[] src, int from, DevPtr dst, long count) {
        counters.h2d(4 * count);
        copyIn(src, from, dst, count);
    }

    void copyIn(float[] src, int from, DevPtr dst, long count) {
        makeCurrent();
        staging().copyIn(dst, 4 * count, (buf, at, bytes) -> buf.asFloatBuffer().put(src, from + (int) (at / 4), (int) (bytes / 4)));
    }

    /** Copies device floats to the host once the queued work is done (one counted device-to-host copy). */
    final void download(DevPtr src, float[] dst, int to, long count) {
        counters.d2h(4 * count);
        copyOut(src, dst, to, count);
    }

    void copyOut(DevPtr src, float[] dst, int to, long count) {
        makeCurrent();
        cuStreamSynchronize(stream);
        cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * to), src, 4 * count);
    }

    /** Copies a host table of longs to the device, queued like {@link #upload}. */
    final void uploadLongs(long[] src, DevPtr dst) {
        counters.h2d(8L * src.length);
        copyInLongs(src, dst);
    }

    void copyInLongs(long[] src, DevPtr dst) {
        makeCurrent();
        staging().copyIn(dst, 8L * src.length, (buf, at, bytes) -> buf.asLongBuffer().put(src, (int) (at / 8), (int) (bytes / 8)));
    }

    private synchronized PinnedRing staging() {
        if (staging == null) staging = new PinnedRing(stream, counters);
        return staging;
    }

    /** The side-stream batch uploads of this GPU. */
    synchronized BatchUploads batches() {
        if (batches == null) batches = new BatchUploads(batchDriver(), memory, counters);
        return batches;
    }

    /** The driver calls of {@link BatchUploads} (test doubles supply their own). */
    BatchUploads.Driver batchDriver() { return new BatchUploads.CudaDriver(this); }

    /** Free device memory in bytes (for logs and the self-test). */
    long freeBytes() {
        makeCurrent();
        long[] free = {0}, total = {0};
        cuMemGetInfo(free, total);
        return free[0];
    }

    static boolean isOutOfMemory(Throwable t) {
        return t instanceof CudaException && t.getMessage() != null
                && t.getMessage().contains(CUresult.stringFor(CUresult.CUDA_ERROR_OUT_OF_MEMORY));
    }

    @Override public void close() {
        makeCurrent();
        cuCtxSynchronize();
        blas.close();
        memory.releaseCached();
    }
}
