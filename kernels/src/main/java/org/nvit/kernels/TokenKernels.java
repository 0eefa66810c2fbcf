package org.nvit.kernels;

import org.nvit.engine.Tensor;
import org.nvit.engine.fused.TokenOps;

/** {@link TokenOps} on the GPU (tokens.cu): one launch per op, up to four parts per concatenation. */
final class TokenKernels implements TokenOps {
    static final int THREADS = 128;
    private final CudaBackend cb;
    private final Gpu gpu;

    TokenKernels(CudaBackend cb) {
        this.cb = cb;
        this.gpu = cb.gpu;
    }

    private static void check(boolean ok, String msg) { if (!ok) throw new IllegalArgumentException(msg); }

    @Override public void concatTokens(Tensor[] parts, Tensor out) {
        int bs = out.dim(0), nt = out.dim(1), d = out.dim(2);
        check(parts.length >= 1 && parts.length <= 4, "concatTokens: 1 to 4 parts on the GPU, got " + parts.length);
        Object[] args = new Object[13];
        int total = 0, mask = 0;
        for (int i = 0; i < 4; i++) {
            Tensor p = i < parts.length ? parts[i] : null;
            if (p != null) {
                check(p.rank() == 3 && p.dim(2) == d && (p.dim(0) == bs || p.dim(0) == 1),
                        "concatTokens: part " + p + " does not fit " + out);
                if (p.dim(0) == 1 && bs != 1) mask |= 1 << i;
                total += p.dim(1);
            }
            args[i] = p == null ? null : cb.p(p);
            args[4 + i] = p == null ? 0 : p.dim(1);
        }
        check(total == nt, "concatTokens: parts hold " + total + " tokens, out " + nt);
        if (out.numel() == 0) return;
        int dBlocks = (d + THREADS - 1) / THREADS;
        args[8] = mask;
        args[9] = cb.p(out);
        args[10] = nt;
        args[11] = d;
        args[12] = dBlocks;
        gpu.launch("nvit_concat_tokens", nt * dBlocks, bs, THREADS, 1, args);
    }

    @Override public void concatTokensBackward(Tensor gy, int[] tokens, Tensor[] grads) {
        int bs = gy.dim(0), nt = gy.dim(1), d = gy.dim(2);
        check(tokens.length >= 1 && tokens.length <= 4 && grads.length == tokens.length,
                "concatTokensBackward: 1 to 4 parts on the GPU");
        Object[] args = new Object[15];
        args[0] = cb.p(gy);
        int total = 0, mask = 0;
        for (int i = 0; i < 4; i++) {
            Tensor g = i < grads.length ? grads[i] : null;
            int n = i < tokens.length ? tokens[i] : 0;
            if (g != null) {
                check(g.numel() == (long) (g.dim(0) == 1 ? 1 : bs) * n * d, "concatTokensBackward: grad " + g + " of " + n + " tokens");
                if (g.dim(0) == 1 && bs != 1) mask |= 1 << i;
            }
            total += n;
            args[1 + i] = g == null ? null : cb.p(g);
            args[5 + i] = n;
        }
        check(total == nt, "concatTokensBackward: parts hold " + total + " tokens, gy " + nt);
        if (gy.numel() == 0) return;
        int dBlocks = (d + THREADS - 1) / THREADS;
        args[9] = mask;
        args[10] = bs;
        args[11] = nt;
        args[12] = d;
        args[13] = dBlocks;
        gpu.launch("nvit_concat_tokens_backward", nt * dBlocks, 1, THREADS, 1, java.util.Arrays.copyOf(args, 14));
    }

    @Override public void selectToken(Tensor x, int index, Tensor out) {
        int bs = x.dim(0), nt = x.dim(1), d = x.dim(2);
        check(index >= 0 && index < nt && out.numel() == (long) bs * d, "selectToken: " + index + " of " + x + " -> " + out);
        if (out.numel() == 0) return;
        gpu.launch("nvit_select_token", (d + THREADS - 1) / THREADS, bs, THREADS, 1, cb.p(x), cb.p(out), index, nt, d);
    }

    @Override public void selectTokenBackward(Tensor gy, int index, Tensor gx) {
        int bs = gx.dim(0), nt = gx.dim(1), d = gx.dim(2);
        check(index >= 0 && index < nt && gy.numel() == (long) bs * d, "selectTokenBackward: " + index + " of " + gx);
        if (gy.numel() == 0) return;
        gpu.launch("nvit_select_token_backward", (d + THREADS - 1) / THREADS, bs, THREADS, 1, cb.p(gy), cb.p(gx), index,
                nt, d);
    }
}
