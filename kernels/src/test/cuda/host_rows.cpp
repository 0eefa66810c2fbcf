// Runs the row kernels (softmax, LayerNorm plain, residual-fused and channel-masked in its warp-row and block-row
// forms, the single-launch backward and column sums, cross-entropy with its device-side mean, bias + GELU backward)
// and the multi-tensor kernels (AdamW, the EMA's axpby, sum of squares, clip factor, scale by a device factor) on the
// host with threadshim, using the same launch geometry as RowOps/FusedKernels/MultiKernels, so the reductions'
// control flow can be compared with Java's reference backend without a GPU.
// stdin: "<op> <ints...>" then inputs; stdout: outputs, one per line.
#include "softmax.cu"
#include "layernorm.cu"
#include "reduce.cu"
#include "fused.cu"
#include "multitensor.cu"
#include <cstdio>
#include <string>

static std::vector<float> readFloats(long long n) {
    std::vector<float> v(n);
    for (auto& x : v) if (scanf("%f", &x) != 1) { fprintf(stderr, "short input\n"); exit(2); }
    return v;
}
// Non-finite values as Java's Float.parseFloat reads them (a NaN that leaks out must fail a comparison, not the parse).
static void print(const std::vector<float>& v) {
    for (float x : v)
        if (std::isnan(x)) printf("NaN\n");
        else if (std::isinf(x)) printf(x > 0 ? "Infinity\n" : "-Infinity\n");
        else printf("%.9g\n", x);
}
// RowOps' geometry
static int rowThreads(int n) { return std::max(32, std::min(512, (n + 31) / 32 * 32)); }
static int chunksFor(long long rows) { return (int)std::max(1LL, std::min(64LL, (rows + 31) / 32)); }
static int lnBlocks(long long rows) { return (int)std::max(1LL, std::min(256LL, (rows + 15) / 16)); }
static int perLane(int n) { return n <= 128 ? 4 : n <= 256 ? 8 : n <= 512 ? 16 : 32; }
static std::vector<unsigned> tickets(NVIT_TICKETS, 0u); // the backend's zeroed ticket array

#define NVIT_PICK(base, per, vec, call) \
    switch (per * 2 + (vec ? 1 : 0)) { \
    case 8: call(base##4v1); break; case 16: call(base##8v1); break; case 17: call(base##8v4); break; \
    case 32: call(base##16v1); break; case 33: call(base##16v4); break; case 64: call(base##32v1); break; \
    case 65: call(base##32v4); break; default: fprintf(stderr, "no kernel for %d per lane\n", per); exit(2); }

// As RowOps.layerNorm: a warp per row up to 1024 channels (float4 when n % 4 == 0 and 8+ per lane), else a block.
static void layerNorm(const float* x, const float* res, float* sum, const float* mask, const float* g, const float* b,
                      float* y, float* mean, float* rstd, int rows, int n) {
    if (n <= 1024) {
        int per = perLane(n);
        bool vec = per >= 8 && n % 4 == 0;
#define LN_CALL(k) nvit_launch((rows + 7) / 8, 1, 256, 1, [&] { k(x, res, sum, mask, g, b, 1e-6f, y, mean, rstd, rows, n); })
        NVIT_PICK(nvit_layernorm_warp, per, vec, LN_CALL)
    } else {
        nvit_launch(rows, 1, rowThreads(n), 1, [&] { nvit_layernorm(x, res, sum, mask, g, b, 1e-6f, y, mean, rstd, n); });
    }
}

// As RowOps.layerNormBackward: one launch for warp rows; params then backward_x for block rows (gx may alias gy).
static void layerNormBackward(const float* x, const float* gy, const float* g, const float* mask, const float* mean,
                              const float* rstd, float* gx, int add, float* gG, float* gB, int rows, int n) {
    if (n <= 1024) {
        int blocks = lnBlocks(rows), per = (rows + blocks - 1) / blocks, pl = perLane(n);
        bool vec = pl >= 8 && n % 4 == 0;
        std::vector<float> pg((long long)blocks * n, NAN), pb((long long)blocks * n, NAN);
#define LNB_CALL(k) nvit_launch(blocks, 1, 256, 1, [&] { k(x, gy, g, mask, mean, rstd, gx, add, pg.data(), pb.data(), gG, \
                                                             gB, rows, n, per, &tickets[NVIT_TICKET_LN_PARAMS]); })
        NVIT_PICK(nvit_layernorm_backward_warp, pl, vec, LNB_CALL)
    } else {
        int chunks = chunksFor(rows), per = (rows + chunks - 1) / chunks;
        std::vector<float> pg((long long)chunks * n, NAN), pb((long long)chunks * n, NAN);
        nvit_launch((n + 31) / 32, chunks, 32, 8, [&] {
            nvit_layernorm_backward_params(x, gy, mask, mean, rstd, pg.data(), pb.data(), gG, gB, rows, n, per,
                                           &tickets[NVIT_TICKET_LN_PARAMS]);
        });
        nvit_launch(rows, 1, rowThreads(n), 1, [&] { nvit_layernorm_backward_x(x, gy, g, mask, mean, rstd, gx, add, n); });
    }
}

// Multi-tensor chunk tables as MultiTables builds them (CHUNK elements per block; the test passes a small CHUNK).
static std::vector<MultiChunk> chunkTable(const std::vector<int>& sizes, int chunk) {
    std::vector<MultiChunk> t;
    for (int i = 0; i < (int)sizes.size(); i++)
        for (int s = 0; s < sizes[i]; s += chunk) t.push_back({i, std::min(chunk, sizes[i] - s), s});
    return t;
}

int main() {
    char opName[32];
    int rows, n;
    if (scanf("%31s %d %d", opName, &rows, &n) != 3) return 2;
    std::string op = opName;
    long long total = (long long)rows * n;
    if (op == "softmax" || op == "softmax_backward") { // softmax: x; backward: y, gy. scale 0.5
        auto a = readFloats(total);
        std::vector<float> b = op == "softmax" ? std::vector<float>() : readFloats(total);
        std::vector<float> out(total, NAN);
        bool warp = n <= 1024;
        unsigned grid = warp ? (rows + 7) / 8 : rows, block = warp ? 256 : rowThreads(n);
        nvit_launch(grid, 1, block, 1, [&] {
            if (op == "softmax") {
                if (warp) nvit_softmax_warp(a.data(), out.data(), 0.5f, rows, n);
                else nvit_softmax_block(a.data(), out.data(), 0.5f, rows, n);
            } else {
                if (warp) nvit_softmax_backward_warp(a.data(), b.data(), out.data(), 0.5f, rows, n);
                else nvit_softmax_backward_block(a.data(), b.data(), out.data(), 0.5f, rows, n);
            }
        });
        print(out);
    } else if (op == "layernorm" || op == "add_layernorm") { // x, [res], gamma, beta -> [sum], y, mean, rstd
        auto x = readFloats(total);
        std::vector<float> res = op == "add_layernorm" ? readFloats(total) : std::vector<float>();
        auto g = readFloats(n), b = readFloats(n);
        std::vector<float> sum(res.empty() ? 0 : total, NAN), y(total, NAN), mean(rows, NAN), rstd(rows, NAN);
        layerNorm(x.data(), res.empty() ? nullptr : res.data(), res.empty() ? nullptr : sum.data(), nullptr, g.data(),
                  b.data(), y.data(), mean.data(), rstd.data(), rows, n);
        print(sum); print(y); print(mean); print(rstd);
    } else if (op == "masked_layernorm") { // x, gamma, beta, mask -> y, mean, rstd
        auto x = readFloats(total), g = readFloats(n), b = readFloats(n), mask = readFloats(n);
        std::vector<float> y(total, NAN), mean(rows, NAN), rstd(rows, NAN);
        layerNorm(x.data(), nullptr, nullptr, mask.data(), g.data(), b.data(), y.data(), mean.data(), rstd.data(), rows, n);
        print(y); print(mean); print(rstd);
    } else if (op == "layernorm_backward" || op == "masked_layernorm_backward" || op == "layernorm_backward_add") {
        // x, gy, gamma, [mask], mean, rstd, gGamma0, gBeta0, [gx0] -> gx, gGamma, gBeta. The masked run writes gx over
        // gy (gx may alias gy); the add run adds into gx0.
        bool masked = op == "masked_layernorm_backward", add = op == "layernorm_backward_add";
        auto x = readFloats(total), gy = readFloats(total), g = readFloats(n);
        std::vector<float> mask = masked ? readFloats(n) : std::vector<float>();
        auto mean = readFloats(rows), rstd = readFloats(rows), gG = readFloats(n), gB = readFloats(n);
        std::vector<float> own = add ? readFloats(total) : std::vector<float>(total, NAN);
        std::vector<float>& gx = masked ? gy : own;
        layerNormBackward(x.data(), gy.data(), g.data(), masked ? mask.data() : nullptr, mean.data(), rstd.data(),
                          gx.data(), add ? 1 : 0, gG.data(), gB.data(), rows, n);
        print(gx); print(gG); print(gB);
    } else if (op == "sum_rows") { // x, out0 -> out (accumulated), one launch
        auto x = readFloats(total), out = readFloats(n);
        int chunks = chunksFor(rows), per = (rows + chunks - 1) / chunks;
        std::vector<float> part((long long)chunks * n, NAN);
        nvit_launch((n + 31) / 32, chunks, 32, 8, [&] {
            nvit_sum_rows(x.data(), part.data(), out.data(), rows, n, per, 1, &tickets[NVIT_TICKET_SUM_ROWS]);
        });
        print(out);
    } else if (op == "bias_gelu_backward") { // pre, gy, gBias0 -> gx, gBias (accumulated)
        auto pre = readFloats(total), gy = readFloats(total), gb = readFloats(n);
        int chunks = chunksFor(rows), per = (rows + chunks - 1) / chunks;
        std::vector<float> part((long long)chunks * n, NAN), gx(total, NAN);
        nvit_launch((n + 31) / 32, chunks, 32, 8, [&] {
            nvit_bias_gelu_backward(pre.data(), gy.data(), gx.data(), part.data(), gb.data(), rows, n, per,
                                    &tickets[NVIT_TICKET_BIAS_GELU]);
        });
        print(gx); print(gb);
    } else if (op == "cross_entropy") { // logits, targets -> loss per row, grad (gradScale 2), mean loss
        auto l = readFloats(total), t = readFloats(total);
        std::vector<float> loss(rows, NAN), grad(total, NAN), mean(1, NAN);
        nvit_launch(rows, 1, rowThreads(n), 1, [&] {
            nvit_cross_entropy_soft(l.data(), t.data(), loss.data(), grad.data(), 2.f, mean.data(), rows, n,
                                    &tickets[NVIT_TICKET_CROSS_ENTROPY]);
        });
        print(loss); print(grad); print(mean);
    } else if (op == "adamw") { // rows tensors of n elements each: p, g, m, v per tensor; chunks of 3 elements
        std::vector<std::vector<float>> p(rows), g(rows), m(rows), v(rows);
        for (int i = 0; i < rows; i++) { p[i] = readFloats(n); g[i] = readFloats(n); m[i] = readFloats(n); v[i] = readFloats(n); }
        std::vector<float*> pp, mm, vv; std::vector<const float*> gg; std::vector<float> wd;
        for (int i = 0; i < rows; i++) {
            pp.push_back(p[i].data()); gg.push_back(g[i].data()); mm.push_back(m[i].data()); vv.push_back(v[i].data());
            wd.push_back(i % 2 == 0 ? 0.05f : 0.f); // decay for some tensors only, as AdamW's no-decay rule
        }
        auto chunks = chunkTable(std::vector<int>(rows, n), 3);
        float bc1 = 1 - powf(0.9f, 3), bc2 = 1 - powf(0.999f, 3);
        nvit_launch(chunks.size(), 1, 32, 1, [&] {
            nvit_adamw_multi(pp.data(), gg.data(), mm.data(), vv.data(), chunks.data(), wd.data(), 1e-3f, 0.9f, 0.999f,
                             1e-8f, bc1, bc2);
        });
        for (int i = 0; i < rows; i++) { print(p[i]); print(m[i]); print(v[i]); }
    } else if (op == "multi") { // rows tensors, tensor i of n + i elements: x_i, y_i -> the clip and EMA sequence
        // ys = 0.9 ys + 0.1 xs; s = sum xs^2; norm, factor = clip(s, maxNorm 2); xs *= factor
        std::vector<std::vector<float>> x(rows), y(rows);
        std::vector<int> sizes;
        for (int i = 0; i < rows; i++) { x[i] = readFloats(n + i); y[i] = readFloats(n + i); sizes.push_back(n + i); }
        std::vector<float*> xs, ys;
        for (int i = 0; i < rows; i++) { xs.push_back(x[i].data()); ys.push_back(y[i].data()); }
        auto chunks = chunkTable(sizes, 5);
        std::vector<float> part(chunks.size(), NAN), sum(1, NAN), norm(1, NAN), factor(1, NAN);
        nvit_launch(chunks.size(), 1, 32, 1, [&] { nvit_axpby_multi(ys.data(), xs.data(), chunks.data(), 0.9f, 0.1f); });
        nvit_launch(chunks.size(), 1, 64, 1, [&] {
            nvit_sum_squares_multi(xs.data(), chunks.data(), part.data(), sum.data(), &tickets[NVIT_TICKET_SUM_SQUARES]);
        });
        nvit_launch(1, 1, 32, 1, [&] { nvit_clip_factor(sum.data(), 2.f, norm.data(), factor.data()); });
        nvit_launch(chunks.size(), 1, 32, 1, [&] { nvit_scale_by_multi(xs.data(), chunks.data(), factor.data()); });
        for (int i = 0; i < rows; i++) print(y[i]);
        print(sum); print(norm); print(factor);
        for (int i = 0; i < rows; i++) print(x[i]);
    } else {
        fprintf(stderr, "unknown op %s\n", opName);
        return 2;
    }
    return 0;
}
