package org.nvit.kernels;

import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.ref.ReferenceBackend;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Host-side logic of the CUDA backend that needs no GPU: the row-major swap, bucket sizing, chunk tables, spans. */
class PureJavaPartsTest {
    @Test
    void rowMajorSwapMatchesReferenceGemm() {
        Rng rng = new Rng(7);
        for (int[] s : new int[][]{{1, 1, 1}, {7, 13, 5}, {33, 17, 9}, {4, 64, 197}}) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int m = s[0], n = s[1], k = s[2], pad = 2;
                int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
                Tensor a = Tensor.rand(DType.F32, rng, -1, 1, (ta ? k : m) * lda);
                Tensor b = Tensor.rand(DType.F32, rng, -1, 1, (tb ? n : k) * ldb);
                Tensor c0 = Tensor.rand(DType.F32, rng, -1, 1, m * ldc);
                Tensor ref = c0.copy();
                ReferenceBackend.INSTANCE.gemm(ta, tb, m, n, k, 0.5f, a, lda, 0, b, ldb, 0, 2f, ref, ldc, 0, 1);
                RowMajorGemm g = RowMajorGemm.of(ta, tb, m, n, k);
                float[] c = c0.toFloatArray();
                RowMajorGemm.columnMajorReference(g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), 0.5f,
                        b.toFloatArray(), ldb, a.toFloatArray(), lda, 2f, c, ldc);
                // the column-major call writes only the m x n block; padding keeps c0, as in the reference
                for (int i = 0; i < c.length; i++)
                    assertEquals(ref.getFlat(i), c[i], 1e-5, "m" + m + " n" + n + " k" + k + " tA " + ta + " tB " + tb);
            }
        }
    }

    @Test
    void bucketsAreTightAndMonotonic() {
        long prev = 0;
        for (long bytes = 0; bytes < 1 << 20; bytes += 37) check(bytes, prev = Math.max(prev, CachingAllocator.bucket(bytes)));
        for (long bytes : new long[]{512, 513, 640, 641, 1024, 1025, 1L << 30, (1L << 30) + 1, 3_000_000_017L}) {
            long b = CachingAllocator.bucket(bytes);
            check(bytes, b);
            assertEquals(b, CachingAllocator.bucket(b), "a bucket size is its own bucket");
        }
        assertEquals(512, CachingAllocator.bucket(1));
        assertEquals(640, CachingAllocator.bucket(513));
        assertEquals(1024, CachingAllocator.bucket(1024));
        assertEquals(1280, CachingAllocator.bucket(1025));
        assertThrows(IllegalArgumentException.class, () -> CachingAllocator.bucket(-1));
    }

    private static void check(long bytes, long bucket) {
        assertTrue(bucket >= bytes, bytes + " -> " + bucket);
        if (bytes > 512) assertTrue(bucket <= bytes * 1.25 + 1, "at most 25% waste: " + bytes + " -> " + bucket);
    }

    /** A fake device: counts allocations, has a capacity, remembers frees. */
    private static final class FakeRaw implements CachingAllocator.Raw<long[]> {
        long capacity, used, allocs, frees;

        FakeRaw(long capacity) { this.capacity = capacity; }

        @Override public long[] allocate(long bytes) {
            if (used + bytes > capacity) throw new CachingAllocator.OutOfDeviceMemory("fake device full");
            used += bytes;
            allocs++;
            return new long[]{bytes};
        }

        @Override public void free(long[] block) { used -= block[0]; frees++; }
    }

    @Test
    void allocatorReusesFreedBlocksAndRetriesAfterReleasingTheCache() {
        FakeRaw raw = new FakeRaw(12_000);
        CachingAllocator<long[]> a = new CachingAllocator<>(raw);
        long[] x = a.allocate(1000);           // bucket 1024
        a.release(x, 1000);
        long[] y = a.allocate(900);            // same bucket (896 < 900 <= 1024): reused
        assertSame(x, y);
        assertEquals(1, a.rawAllocations());
        a.release(y, 900);
        assertEquals(1024, a.cachedBytes());
        // a steady loop of the same sizes never reaches the raw allocator again
        for (int i = 0; i < 100; i++) {
            List<long[]> held = new ArrayList<>();
            for (long s : new long[]{100, 1000, 3000}) held.add(a.allocate(s));
            a.release(held.get(0), 100); a.release(held.get(1), 1000); a.release(held.get(2), 3000);
        }
        assertEquals(3, a.rawAllocations());
        // out of room: the cache is handed back and the allocation retried
        long[] big = a.allocate(9000);
        assertEquals(10240, big[0]); // 8192 * 1.25
        assertEquals(0, a.cachedBytes());
        assertEquals(3, raw.frees);
        assertThrows(CachingAllocator.OutOfDeviceMemory.class, () -> a.allocate(5000));
        assertEquals(10240, a.liveBytes());
    }

    @Test
    void multiTensorTablesPackTheKernelStructsAndAreCachedPerSetOfTensors() {
        CudaBackend cb = CudaBackend.dryRun();
        MultiTables tables = new MultiTables(cb);
        Tensor[] p = {cb.empty(DType.F32, 3), cb.empty(DType.F32, MultiTables.CHUNK * 2 + 1)};
        long[] t = tables.build(new Tensor[][] {p, p}, new float[] {0.5f, -2f});
        assertEquals(2 * 2 + 2 * 4 + 1, t.length);
        assertEquals(cb.p(p[0]).address(), t[0]);
        assertEquals(cb.p(p[1]).address(), t[1]);
        long[][] expect = {{0, 3, 0}, {1, MultiTables.CHUNK, 0}, {1, MultiTables.CHUNK, MultiTables.CHUNK},
                {1, 1, 2L * MultiTables.CHUNK}};
        for (int c = 0; c < 4; c++) {
            assertEquals(expect[c][0], (int) t[4 + 2 * c], "tensor of chunk " + c);          // int at offset 0
            assertEquals(expect[c][1], (int) (t[4 + 2 * c] >>> 32), "length of chunk " + c); // int at offset 4
            assertEquals(expect[c][2], t[4 + 2 * c + 1], "start of chunk " + c);             // long long at 8
        }
        assertEquals(0.5f, Float.intBitsToFloat((int) t[12]));                            // floats, two per long
        assertEquals(-2f, Float.intBitsToFloat((int) (t[12] >>> 32)));
        Tensor[] bad = {cb.empty(DType.F32, 4), cb.empty(DType.F32, 4)};
        assertThrows(IllegalArgumentException.class, () -> tables.build(new Tensor[][] {p, bad}, null));

        // a step's sets come back: their tables are uploaded once; the device layout matches the kernels' arguments
        MultiTables.Table a = tables.get(new Tensor[][] {p, p}, new float[] {0.5f, -2f});
        assertSame(a, tables.get(new Tensor[][] {p, p}, new float[] {0.5f, -2f}));
        assertEquals(1, tables.uploads());
        assertNotSame(a, tables.get(new Tensor[][] {p, p}, new float[] {0.5f, 0f}));
        assertEquals(2, tables.uploads());
        assertEquals(4, a.chunks());
        assertEquals(a.base().address() + 8 * 2 * 2, a.chunkTable().address());      // 2 lists of 2 pointers
        assertEquals(a.base().address() + 32 + 16 * 4, a.floats().address());        // then 4 chunks
        for (int i = 0; i < MultiTables.MAX + 3; i++) tables.get(new Tensor[][] {{cb.empty(DType.F32, 5)}}, null);
        assertEquals(MultiTables.MAX + 5, tables.uploads()); // the oldest were dropped, not kept forever
    }

    @Test
    void outOfMemoryWaitsForTheDeviceBeforeFreeingCachedBlocks() {
        List<String> log = new ArrayList<>();
        CachingAllocator<long[]> a = new CachingAllocator<>(new CachingAllocator.Raw<>() {
            long used;

            @Override public long[] allocate(long bytes) {
                if (used + bytes > 4096) throw new CachingAllocator.OutOfDeviceMemory("full");
                used += bytes;
                log.add("alloc " + bytes);
                return new long[] {bytes};
            }

            @Override public void free(long[] block) {
                used -= block[0];
                log.add("free " + block[0]);
            }

            @Override public void beforeFree() { log.add("sync"); }
        });
        long[] x = a.allocate(2048);
        a.release(x, 2048);
        a.allocate(3072); // does not fit beside the cached block: sync, free, retry
        assertEquals(List.of("alloc 2048", "sync", "free 2048", "alloc 3072"), log);
    }

    /** bf16 GEMM operands: one conversion per tensor an op reads, not one per GEMM call or per head view. */
    @Test
    void bf16OperandsAreConvertedOncePerOp() {
        CudaBackend cb = CudaBackend.dryRun();
        cb.setPrecision(Precision.BF16);
        Tensor x = cb.empty(DType.F32, 394, 384), w = cb.empty(DType.F32, 1152, 384), gy = cb.empty(DType.F32, 394, 1152);
        Tensor gx = cb.empty(DType.F32, 394, 384), gw = cb.empty(DType.F32, 1152, 384);
        cb.gemm(false, false, 394, 384, 1152, 1f, gy, 1152, 0, w, 384, 0, 0f, gx, 384, 0, 1); // gx = gy W
        cb.gemm(true, false, 1152, 384, 394, 1f, gy, 1152, 0, x, 384, 0, 0f, gw, 384, 0, 1);  // gW = gy^T x
        assertEquals(3, cb.bf16Conversions(), "gy once for both products, W, x");
        cb.fill(x, 1f); // a kernel may have written any source: the copies are dropped
        cb.gemm(true, false, 1152, 384, 394, 1f, gy, 1152, 0, x, 384, 0, 0f, gw, 384, 0, 1);
        assertEquals(5, cb.bf16Conversions());
        cb.gemm(false, false, 394, 384, 1152, 1f, gy, 1152, 0, w, 384, 0, 0f, x, 384, 0, 1); // writes x: its copy goes
        cb.gemm(true, false, 1152, 384, 394, 1f, gy, 1152, 0, x, 384, 0, 0f, gw, 384, 0, 1);
        assertEquals(7, cb.bf16Conversions(), "w converted again after the fill, x after being written");
        // attention's per-head products read strided views that span nearly all of qkv: one conversion for all
        int b = 2, n = 197, h = 6, d = 64, ld = 3 * h * d;
        Tensor qkv = cb.empty(DType.F32, b, n, ld), p = cb.empty(DType.F32, b, h, n, n);
        cb.fill(p, 0f);
        long before = cb.bf16Conversions();
        for (int head = 0; head < h; head++)
            cb.gemm(false, true, n, n, d, 1f, qkv.reshape(-1).slice(head * d, b * n * ld), ld, (long) n * ld,
                    qkv.reshape(-1).slice(h * d + head * d, b * n * ld), ld, (long) n * ld, 0f,
                    p.reshape(-1).slice(head * n * n, b * h * n * n), n, (long) h * n * n, b);
        assertEquals(before + 1, cb.bf16Conversions(), "one conversion of qkv for all heads' Q K^T");
    }

    @Test
    void spanCoversTheLastElementOfTheLastMatrix() {
        assertEquals(6, CudaBackend.span(1, 0, 2, 3, 3));
        assertEquals(2 * 10 + 1 * 5 + 3, CudaBackend.span(3, 10, 2, 3, 5));
        assertEquals(1 * 5 + 3, CudaBackend.span(4, 0, 2, 3, 5)); // broadcast operand
    }

    @Test
    void precisionParsesAndOrdersItsBounds() {
        assertEquals(Precision.TF32, Precision.parse("TF32"));
        assertEquals(Precision.BF16, Precision.parse("bfloat16"));
        assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
        assertTrue(Precision.FP32.tolerance() < Precision.TF32.tolerance());
        assertTrue(Precision.TF32.tolerance() < Precision.BF16.tolerance());
        assertEquals(77, Precision.TF32.computeType);
    }
}
