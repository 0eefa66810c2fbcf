package org.nvit.engine.fused;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * Token-axis copies of [B, N, D] sequences in one pass each (the cls/dist tokens in front of the patches, the cls
 * token picked for the head), where the primitives need one copy per sample.
 */
public interface TokenOps {
    /** out [B, N, D] = parts [B or 1, n_i, D] one after another along axis 1; a part of batch 1 is broadcast. */
    void concatTokens(Tensor[] parts, Tensor out);

    /**
     * The adjoint of {@link #concatTokens}: for each i with {@code grads[i] != null}, grads[i] [B or 1, tokens[i], D]
     * += part i's tokens of gy [B, N, D], summed over the batch where grads[i] has batch 1.
     */
    void concatTokensBackward(Tensor gy, int[] tokens, Tensor[] grads);

    /** out [B, D] = x[:, index, :] of x [B, N, D]. */
    void selectToken(Tensor x, int index, Tensor out);

    /** gx[:, index, :] += gy, gx [B, N, D], gy [B, D]. */
    void selectTokenBackward(Tensor gy, int index, Tensor gx);

    static TokenOps of(Backend be) { return be.capability(TokenOps.class).orElseGet(() -> composite(be)); }

    /** Per-sample row-block copies and axpys. */
    static TokenOps composite(Backend be) {
        return new TokenOps() {
            @Override public void concatTokens(Tensor[] parts, Tensor out) {
                int bs = out.dim(0), nt = out.dim(1), d = out.dim(2);
                Tensor y2 = out.reshape(bs * nt, d);
                for (int b = 0; b < bs; b++) {
                    int off = 0;
                    for (Tensor v : parts) {
                        int ni = v.dim(1), bi = v.dim(0) == 1 ? 0 : b;
                        be.copy(v.reshape(-1, d).slice(bi * ni, bi * ni + ni), y2.slice(b * nt + off, b * nt + off + ni));
                        off += ni;
                    }
                }
            }

            @Override public void concatTokensBackward(Tensor gy, int[] tokens, Tensor[] grads) {
                int bs = gy.dim(0), nt = gy.dim(1), d = gy.dim(2);
                Tensor g2 = gy.reshape(bs * nt, d);
                int off = 0;
                for (int i = 0; i < tokens.length; i++) {
                    int ni = tokens[i];
                    if (grads[i] != null) {
                        Tensor gx = grads[i].reshape(-1, d);
                        boolean broadcast = grads[i].dim(0) == 1;
                        for (int b = 0; b < bs; b++) {
                            int bi = broadcast ? 0 : b;
                            be.axpy(1f, g2.slice(b * nt + off, b * nt + off + ni), gx.slice(bi * ni, bi * ni + ni));
                        }
                    }
                    off += ni;
                }
            }

            @Override public void selectToken(Tensor x, int index, Tensor out) {
                int bs = x.dim(0), n = x.dim(1), d = x.dim(2);
                Tensor x2 = x.reshape(bs * n, d);
                for (int b = 0; b < bs; b++) be.copy(x2.slice(b * n + index, b * n + index + 1), out.slice(b, b + 1));
            }

            @Override public void selectTokenBackward(Tensor gy, int index, Tensor gx) {
                int bs = gx.dim(0), n = gx.dim(1), d = gx.dim(2);
                Tensor g2 = gx.reshape(bs * n, d);
                for (int b = 0; b < bs; b++) be.axpy(1f, gy.slice(b, b + 1), g2.slice(b * n + index, b * n + index + 1));
            }
        };
    }
}
