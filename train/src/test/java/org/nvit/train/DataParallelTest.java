package org.nvit.train;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.distributed.Communicator;
import org.nvit.engine.Tensor;

/**
 * The gradient sync against a stand-in for a second rank whose every value is {@code other}: gradients become the
 * mean of both ranks', bucket by bucket; the loss and the stop vote ride along; a parameter without a gradient
 * keeps none.
 */
class DataParallelTest {
    /** Rank 0 of 2; the other rank contributes {@code other} to every element of every all-reduce. */
    static final class TwoRanks implements Communicator {
        final float other;
        int calls;

        TwoRanks(float other) { this.other = other; }

        @Override public int rank() { return 0; }
        @Override public int size() { return 2; }
        @Override public String name() { return "two ranks (stand-in)"; }
        @Override public void allReduce(MemorySegment d, long n, Op op) {
            calls++;
            for (long i = 0; i < n; i++) d.setAtIndex(ValueLayout.JAVA_FLOAT, i, d.getAtIndex(ValueLayout.JAVA_FLOAT, i) + other);
        }
        @Override public void broadcast(MemorySegment b, int root) {}
        @Override public void barrier() {}
        @Override public void close() {}
    }

    private static Map<String, Var> params() {
        Map<String, Var> p = new LinkedHashMap<>();
        p.put("a", Var.param("a", Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4)));
        p.put("b", Var.param("b", Tensor.of(new float[] {1, -1, 2, -2, 3}, 5)));
        p.put("c", Var.param("c", Tensor.of(new float[7], 7))); // unused: no gradient
        Var loss = F.weightedSum(F.mean(F.mul(p.get("a"), p.get("a"))), 1, F.mean(F.mul(p.get("b"), p.get("b"))), 1);
        loss.backward();
        return p;
    }

    @Test void gradientsAreTheMeanOfTheRanksBucketByBucket() {
        Map<String, Var> p = params();
        float[] ga = p.get("a").grad().toFloatArray(), gb = p.get("b").grad().toFloatArray();
        TwoRanks comm = new TwoRanks(1f);
        DataParallel dp = new DataParallel(comm, 40); // 10 floats: c, b and a each get a bucket of their own
        double loss = dp.synchronize(p, 3.0);
        assertEquals(3, comm.calls, "one all-reduce per bucket");
        assertEquals(2.0, loss, 1e-6, "(3 + 1) / 2");
        float[] a = p.get("a").grad().toFloatArray(), b = p.get("b").grad().toFloatArray();
        for (int i = 0; i < a.length; i++) assertEquals((ga[i] + 1) / 2, a[i], 1e-6);
        for (int i = 0; i < b.length; i++) assertEquals((gb[i] + 1) / 2, b[i], 1e-6);
        assertNull(p.get("c").grad(), "no gradient stays no gradient");
        assertTrue(dp.stopAgreed(), "the other rank voted (its 1 in the vote's slot)");
        assertTrue(dp.describe().startsWith("3 buckets"), dp.describe());
    }

    @Test void aStopVoteOfAnyRankStopsAll() {
        DataParallel dp = new DataParallel(new TwoRanks(0f), DataParallel.BUCKET_BYTES);
        dp.synchronize(params(), 1.0);
        assertFalse(dp.stopAgreed());
        dp.voteStop(true);
        dp.synchronize(params(), 1.0);
        assertTrue(dp.stopAgreed());
        dp.synchronize(params(), 1.0);
        assertFalse(dp.stopAgreed(), "a vote counts for one step");
    }

    @Test void bucketsFollowBackwardsOrderAndTheCap() {
        Map<String, Var> p = params();
        GradientBuckets b = GradientBuckets.of(p, 48); // 12 floats
        assertEquals(List.of(List.of(p.get("c"), p.get("b")), List.of(p.get("a"))), b.buckets());
        assertEquals(List.of(12L, 12L), b.floats());
        GradientBuckets one = GradientBuckets.of(p, DataParallel.BUCKET_BYTES);
        assertEquals(1, one.buckets().size());
        assertEquals(24, one.totalFloats());
    }

    @Test void checksumsAgreeOnlyWhenEveryRankHasTheSameState() {
        Map<String, Tensor> s = Map.of("w", Tensor.of(new float[] {1, 2, 3}, 3));
        long h = ReplicaCheck.hash(s);
        assertEquals(h, ReplicaCheck.hash(Map.of("w", Tensor.of(new float[] {1, 2, 3}, 3))));
        assertNotEquals(h, ReplicaCheck.hash(Map.of("w", Tensor.of(new float[] {1, 2, 3.0000002f}, 3))));
        assertNotEquals(h, ReplicaCheck.hash(s, new float[] {1}));
        // MAX over [parts, -parts] from two ranks: equal parts pass, any difference fails
        Communicator same = new MaxOf(false), differs = new MaxOf(true);
        ReplicaCheck.verify(same, "weights", h);
        assertThrows(ReplicaCheck.Diverged.class, () -> ReplicaCheck.verify(differs, "weights", h));
    }

    /** Rank 0 of 2 under MAX whose peer passed the same hash, or one that differs in its lowest part. */
    static final class MaxOf extends TwoRanksBase {
        final boolean differ;

        MaxOf(boolean differ) { this.differ = differ; }

        @Override public void allReduce(MemorySegment d, long n, Op op) {
            assertEquals(Op.MAX, op);
            float lo = d.getAtIndex(ValueLayout.JAVA_FLOAT, 0);
            float peer = differ ? (lo == 0 ? 1 : lo - 1) : lo; // the peer's lowest 16 bits
            d.setAtIndex(ValueLayout.JAVA_FLOAT, 0, Math.max(lo, peer));
            d.setAtIndex(ValueLayout.JAVA_FLOAT, 4, Math.max(-lo, -peer));
        }
    }

    abstract static class TwoRanksBase implements Communicator {
        @Override public int rank() { return 0; }
        @Override public int size() { return 2; }
        @Override public String name() { return "stand-in"; }
        @Override public void broadcast(MemorySegment b, int root) {}
        @Override public void barrier() {}
        @Override public void close() {}
    }
}
