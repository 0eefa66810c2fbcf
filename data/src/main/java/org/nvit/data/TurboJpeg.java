package org.nvit.data;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * JPEG decoding through libjpeg-turbo's TurboJPEG 2.x C API ({@code libturbojpeg.so.0}, Debian's {@code libturbojpeg0};
 * {@code -Dnvit.turbojpeg=PATH} names another copy),
 * called through {@code java.lang.foreign}: {@code tjInitDecompress}, {@code tjDecompressHeader3},
 * {@code tjDecompress2} (default flags: the accurate integer DCT and fancy upsampling, as PIL decodes), {@code
 * tjGetErrorStr2}, {@code tjGetErrorCode}, {@code tjDestroy}. Decompressor handles are not thread-safe: each call
 * borrows one from a pool (one per concurrent caller, kept for the life of the process).
 */
final class TurboJpeg {
    /** The library's name or path: Debian's soname, or -Dnvit.turbojpeg=PATH for one installed elsewhere. */
    static final String LIBRARY = System.getProperty("nvit.turbojpeg", "libturbojpeg.so.0");
    // turbojpeg.h: enum TJPF { TJPF_RGB = 0, TJPF_BGR, TJPF_RGBX, TJPF_BGRX, TJPF_XBGR, TJPF_XRGB, TJPF_GRAY, ... }
    private static final int TJPF_RGB = 0, TJPF_GRAY = 6;
    // enum TJCS { TJCS_RGB = 0, TJCS_YCbCr, TJCS_GRAY, TJCS_CMYK, TJCS_YCCK }
    private static final int TJCS_GRAY = 2, TJCS_CMYK = 3, TJCS_YCCK = 4;
    // enum TJERR { TJERR_WARNING = 0, TJERR_FATAL }
    private static final int TJERR_WARNING = 0;
    // #define TJFLAG_LIMITSCANS 32768: refuse progressive files with an unreasonable number of scans (a CPU-time bomb)
    private static final int TJFLAG_LIMITSCANS = 32768;

    private static final MethodHandle INIT, HEADER, DECOMPRESS, DESTROY, ERROR_STR, ERROR_CODE;
    /** Why the library cannot be used, or null when it can. */
    private static final String UNAVAILABLE;
    private static final ConcurrentLinkedDeque<MemorySegment> HANDLES = new ConcurrentLinkedDeque<>();

    static {
        MethodHandle init = null, header = null, decompress = null, destroy = null, errStr = null, errCode = null;
        String why = null;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
            // unsigned long jpegSize: C's long (64 bits on Linux)
            MemoryLayout cLong = linker.canonicalLayouts().get("long");
            ValueLayout A = ValueLayout.ADDRESS, I = ValueLayout.JAVA_INT;
            init = linker.downcallHandle(find(lib, "tjInitDecompress"), FunctionDescriptor.of(A));
            header = linker.downcallHandle(find(lib, "tjDecompressHeader3"), FunctionDescriptor.of(I, A, A, cLong, A, A, A, A));
            decompress = linker.downcallHandle(find(lib, "tjDecompress2"),
                    FunctionDescriptor.of(I, A, A, cLong, A, I, I, I, I, I));
            destroy = linker.downcallHandle(find(lib, "tjDestroy"), FunctionDescriptor.of(I, A));
            errStr = linker.downcallHandle(find(lib, "tjGetErrorStr2"), FunctionDescriptor.of(A, A));
            errCode = linker.downcallHandle(find(lib, "tjGetErrorCode"), FunctionDescriptor.of(I, A));
            if (cLong.byteSize() != 8) why = "C long is " + cLong.byteSize() + " bytes on this platform";
        } catch (RuntimeException | LinkageError e) {
            why = e.getMessage() != null ? e.getMessage() : e.toString();
        }
        INIT = init;
        HEADER = header;
        DECOMPRESS = decompress;
        DESTROY = destroy;
        ERROR_STR = errStr;
        ERROR_CODE = errCode;
        UNAVAILABLE = why;
    }

    private TurboJpeg() {}

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalArgumentException(LIBRARY + " has no symbol " + name));
    }

    /** True when the library is loaded and every function was found. */
    static boolean available() { return UNAVAILABLE == null; }

    /** Why it is not available (null when it is). */
    static String unavailableReason() { return UNAVAILABLE; }

    /** A decoded image before conversion: interleaved 8-bit samples, 1 (grey) or 3 (RGB) per pixel. */
    record Pixels(int width, int height, int channels, byte[] data) {}

    /**
     * Decodes a JPEG held in {@code jpeg}. Returns null for CMYK/YCCK files (left to another decoder); throws a
     * {@link DataException} naming {@code file} for a corrupt or truncated one.
     */
    static Pixels decode(byte[] jpeg, Path file, long maxPixels) {
        if (!available()) throw new IllegalStateException("libjpeg-turbo is not available: " + UNAVAILABLE);
        MemorySegment h = borrow(file);
        boolean ok = false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(Math.max(1, jpeg.length));
            src.copyFrom(MemorySegment.ofArray(jpeg));   // (MemorySegment.copy builds a message string per call)
            MemorySegment dims = arena.allocate(ValueLayout.JAVA_INT, 4);
            int rc = (int) HEADER.invokeExact(h, src, (long) jpeg.length, dims, dims.asSlice(4), dims.asSlice(8), dims.asSlice(12));
            if (rc != 0) throw corrupt(file, h);
            int w = dims.getAtIndex(ValueLayout.JAVA_INT, 0), ht = dims.getAtIndex(ValueLayout.JAVA_INT, 1);
            int cs = dims.getAtIndex(ValueLayout.JAVA_INT, 3);
            if (cs == TJCS_CMYK || cs == TJCS_YCCK) {
                ok = true;
                return null;
            }
            if (w < 1 || ht < 1) throw new DataException("cannot decode image " + file + ": the JPEG header says " + w + "x" + ht);
            if ((long) w * ht > maxPixels) throw new DataException("image " + file + " is too large (" + w + "x" + ht + ")");
            int channels = cs == TJCS_GRAY ? 1 : 3;
            long bytes = (long) w * ht * channels;
            MemorySegment dst = arena.allocate(bytes);
            rc = (int) DECOMPRESS.invokeExact(h, src, (long) jpeg.length, dst, w, w * channels, ht,
                    channels == 1 ? TJPF_GRAY : TJPF_RGB, TJFLAG_LIMITSCANS);
            if (rc != 0 && !acceptableWarning(h)) throw corrupt(file, h);
            byte[] out = new byte[(int) bytes];
            MemorySegment.ofArray(out).copyFrom(dst);
            ok = true;
            return new Pixels(w, ht, channels, out);
        } catch (DataException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("libjpeg-turbo failed on " + file + ": " + t, t);
        } finally {
            if (ok) HANDLES.push(h);   // a handle that failed keeps state from the broken file: never reused
            else destroy(h);
        }
    }

    /**
     * A warning libjpeg recovers from (extraneous bytes before a marker, as some cameras write) keeps the image, as
     * PIL does; a file that ends early does not (PIL refuses truncated files too).
     */
    private static boolean acceptableWarning(MemorySegment h) throws Throwable {
        if ((int) ERROR_CODE.invokeExact(h) != TJERR_WARNING) return false;
        String msg = message(h);
        return !msg.contains("Premature end");
    }

    private static DataException corrupt(Path file, MemorySegment h) throws Throwable {
        return new DataException("cannot decode image " + file + ": " + message(h) + " (a corrupt or truncated JPEG?)");
    }

    private static String message(MemorySegment h) throws Throwable {
        MemorySegment s = (MemorySegment) ERROR_STR.invokeExact(h);
        return s.equals(MemorySegment.NULL) ? "unknown error" : s.reinterpret(1024).getString(0).strip();
    }

    private static MemorySegment borrow(Path file) {
        MemorySegment h = HANDLES.poll();
        if (h != null) return h;
        try {
            h = (MemorySegment) INIT.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("tjInitDecompress failed: " + t, t);
        }
        if (h.equals(MemorySegment.NULL)) throw new IllegalStateException("tjInitDecompress returned NULL (out of memory?) for " + file);
        return h;
    }

    private static void destroy(MemorySegment h) {
        try {
            int ignored = (int) DESTROY.invokeExact(h);
        } catch (Throwable t) {
            throw new IllegalStateException("tjDestroy failed: " + t, t);
        }
    }
}
