package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.FusedAttention;

/**
 * Multi-head scaled dot-product attention read straight from the projections' layout: per head h,
 * {@code O_h = softmax(scale * Q_h K_h^T) V_h}, with Q_h, K_h, V_h column blocks of [B, N, *] tensors (one fused qkv
 * output or three separate ones) and O written head-major into [B, N, H*dv]. Each head is one strided-batched GEMM
 * over the B images (rows {@code ld} apart, images {@code N*ld} apart), so no head split, merge or qkv split is ever
 * copied.
 *
 * <p>Backward, with P the saved probabilities and dO the output gradient: dP_h = dO_h V_h^T, dV_h = P_h^T dO_h,
 * dS = scale * P * (dP - rowsum(dP * P)), dQ_h = dS_h K_h, dK_h = dS_h^T Q_h; each written once into its columns of
 * the input's gradient (beta 0 on a fresh gradient, 1 when one is already there).
 */
final class ScaledDotAttention {
    private ScaledDotAttention() {}

    /** One operand: columns [col, col + H*d) of a [B, N, ld] value. */
    private record Part(Var var, int col, int ld) {
        Tensor at(long off) { return flatFrom(var.value(), col + off); }

        FusedAttention.Operand operand() { return new FusedAttention.Operand(var.value(), col, ld); }
    }

    /** qkv [B, N, H*qk + H*qk + H*v] (timm's fused layout: all of q, then k, then v, each head-major). */
    static Var fused(Var qkv, int heads, int qkDim, int vDim, double scale) {
        Tensor t = qkv.value();
        int width = heads * (2 * qkDim + vDim);
        if (t.rank() != 3 || heads <= 0 || qkDim <= 0 || vDim <= 0 || t.dim(2) != width)
            throw Ops.bad("attention", "qkv " + Ops.str(t) + " is not [B, N, " + width + "] for " + heads
                    + " heads of qk " + qkDim + " and v " + vDim);
        return apply(new Part(qkv, 0, width), new Part(qkv, heads * qkDim, width),
                new Part(qkv, 2 * heads * qkDim, width), t.dim(0), t.dim(1), heads, qkDim, vDim, scale);
    }

    /** q, k [B, N, H*qk] and v [B, N, H*v]. */
    static Var separate(Var q, Var k, Var v, int heads, double scale) {
        Tensor qt = q.value(), kt = k.value(), vt = v.value();
        boolean ok = heads > 0 && qt.rank() == 3 && kt.rank() == 3 && vt.rank() == 3
                && java.util.Arrays.equals(qt.shape(), kt.shape()) && qt.dim(0) == vt.dim(0) && qt.dim(1) == vt.dim(1)
                && qt.dim(2) % heads == 0 && vt.dim(2) % heads == 0 && qt.dim(2) > 0 && vt.dim(2) > 0;
        if (!ok)
            throw Ops.bad("attention", "q " + Ops.str(qt) + ", k " + Ops.str(kt) + ", v " + Ops.str(vt)
                    + " are not [B, N, H*qk], [B, N, H*qk], [B, N, H*v] with H = " + heads);
        return apply(new Part(q, 0, qt.dim(2)), new Part(k, 0, kt.dim(2)), new Part(v, 0, vt.dim(2)),
                qt.dim(0), qt.dim(1), heads, qt.dim(2) / heads, vt.dim(2) / heads, scale);
    }

    private static Var apply(Part q, Part k, Part v, int b, int n, int heads, int dq, int dv, double scale) {
        Tensor ref = q.var.value();
        Backend be = Ops.be(ref);
        if (b > 0 && n > 0 && disjoint(q, heads * dq, k, heads * dq) && disjoint(q, heads * dq, v, heads * dv)
                && disjoint(k, heads * dq, v, heads * dv)) {
            var fused = be.capability(FusedAttention.class).filter(f -> f.supports(dq, dv));
            if (fused.isPresent()) return fused(fused.get(), q, k, v, b, n, heads, dq, dv, (float) scale);
        }
        float s = (float) scale;
        long nn = (long) n * n, hnn = heads * nn, ho = (long) heads * dv;
        Tensor p = Ops.empty(ref, b, heads, n, n);
        Tensor out = Ops.empty(ref, b, n, heads * dv);
        if (b > 0 && n > 0) {
            for (int h = 0; h < heads; h++)   // S_h = Q_h K_h^T, into P (softmax runs in place)
                be.gemm(false, true, n, n, dq, 1f, q.at((long) h * dq), q.ld, (long) n * q.ld,
                        k.at((long) h * dq), k.ld, (long) n * k.ld, 0f, flatFrom(p, h * nn), n, hnn, b);
            be.softmax(p, s, p);
            for (int h = 0; h < heads; h++)   // O_h = P_h V_h
                be.gemm(false, false, n, dv, n, 1f, flatFrom(p, h * nn), n, hnn, v.at((long) h * dv), v.ld,
                        (long) n * v.ld, 0f, flatFrom(out, (long) h * dv), (int) ho, n * ho, b);
        }
        Var[] inputs = q.var == k.var && k.var == v.var ? new Var[] {q.var} : new Var[] {q.var, k.var, v.var};
        return Var.result(out, gy -> {
            if (b == 0 || n == 0) {
                for (Var x : inputs) if (x.requiresGrad()) x.gradBuffer();
                return;
            }
            Tensor dp = Ops.empty(ref, b, heads, n, n);
            for (int h = 0; h < heads; h++)   // dP_h = dO_h V_h^T
                be.gemm(false, true, n, n, dv, 1f, flatFrom(gy, (long) h * dv), (int) ho, n * ho,
                        v.at((long) h * dv), v.ld, (long) n * v.ld, 0f, flatFrom(dp, h * nn), n, hnn, b);
            // Each input's gradient buffer and beta are fetched once, before any part of it is written.
            Grad gq = Grad.of(q.var), gk = k.var == q.var ? gq : Grad.of(k.var);
            Grad gv = v.var == q.var ? gq : v.var == k.var ? gk : Grad.of(v.var);
            if (gv != null) {
                float beta = gv.betaFor(v.col);
                for (int h = 0; h < heads; h++)   // dV_h = P_h^T dO_h
                    be.gemm(true, false, n, dv, n, 1f, flatFrom(p, h * nn), n, hnn, flatFrom(gy, (long) h * dv),
                            (int) ho, n * ho, beta, flatFrom(gv.buf, v.col + (long) h * dv), v.ld, (long) n * v.ld, b);
            }
            if (gq == null && gk == null) return;
            be.softmaxBackward(p, dp, s, dp);   // dS, in place
            if (gq != null) {
                float beta = gq.betaFor(q.col);
                for (int h = 0; h < heads; h++)   // dQ_h = dS_h K_h
                    be.gemm(false, false, n, dq, n, 1f, flatFrom(dp, h * nn), n, hnn, k.at((long) h * dq), k.ld,
                            (long) n * k.ld, beta, flatFrom(gq.buf, q.col + (long) h * dq), q.ld, (long) n * q.ld, b);
            }
            if (gk != null) {
                float beta = gk.betaFor(k.col);
                for (int h = 0; h < heads; h++)   // dK_h = dS_h^T Q_h
                    be.gemm(true, false, n, dq, n, 1f, flatFrom(dp, h * nn), n, hnn, q.at((long) h * dq), q.ld,
                            (long) n * q.ld, beta, flatFrom(gk.buf, k.col + (long) h * dq), k.ld, (long) n * k.ld, b);
            }
        }, inputs);
    }

    /** Two parts write disjoint gradient columns: different values, or column ranges of one value that do not overlap. */
    private static boolean disjoint(Part a, int wa, Part b, int wb) {
        return a.var != b.var || a.col + wa <= b.col || b.col + wb <= a.col;
    }

    /** The fused kernel's way: no [B, H, N, N] buffer, the backward recomputes the probabilities from lse. */
    private static Var fused(FusedAttention f, Part q, Part k, Part v, int b, int n, int heads, int dq, int dv, float s) {
        Tensor ref = q.var.value();
        Tensor out = Ops.empty(ref, b, n, heads * dv), lse = Ops.empty(ref, b, heads, n);
        FusedAttention.Operand oq = q.operand(), ok = k.operand(), ov = v.operand();
        f.forward(oq, ok, ov, b, n, heads, dq, dv, s, out, lse);
        Var[] inputs = q.var == k.var && k.var == v.var ? new Var[] {q.var} : new Var[] {q.var, k.var, v.var};
        return Var.result(out, gy -> {
            Grad gq = Grad.of(q.var), gk = k.var == q.var ? gq : Grad.of(k.var);
            Grad gv = v.var == q.var ? gq : v.var == k.var ? gk : Grad.of(v.var);
            f.backward(oq, ok, ov, b, n, heads, dq, dv, s, out, gy, lse, dest(gq, q), dest(gk, k), dest(gv, v));
        }, inputs);
    }

    private static FusedAttention.Grad dest(Grad g, Part p) {
        return g == null ? null : new FusedAttention.Grad(g.buf, p.col, p.ld, g.betaFor(p.col));
    }

    /**
     * A gradient destination (null when none is needed). Parts of one input are either disjoint column blocks (the
     * fused layout) or the same block (one Var passed twice): a block already written accumulates (beta 1), a fresh
     * one takes the input's beta (0 while it has no gradient yet, its buffer then being garbage).
     */
    private static final class Grad {
        final Tensor buf;
        private final float beta;
        private final java.util.Set<Integer> written = new java.util.HashSet<>();

        private Grad(Tensor buf, float beta) { this.buf = buf; this.beta = beta; }

        static Grad of(Var x) {
            if (!x.requiresGrad()) return null;
            float beta = x.gradBeta();
            return new Grad(x.gradOutput(), beta);
        }

        float betaFor(int col) { return written.add(col) ? beta : 1f; }
    }

    /** The elements of t from flat index off on, as a 1-D view (the GEMM addresses rows and images by strides). */
    private static Tensor flatFrom(Tensor t, long off) {
        int total = (int) t.numel();
        return t.reshape(total).slice((int) off, total);
    }
}
