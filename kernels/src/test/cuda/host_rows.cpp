// Runs the row kernels (softmax, LayerNorm plain and channel-masked, column sums, cross-entropy) and the multi-tensor
// AdamW on the host with threadshim, using the same launch geometry as RowOps/MoreOps, so the reductions' control
// flow can be compared with Java's reference backend without a GPU. stdin: "<op> <ints...>" then inputs; stdout: outputs, one per line.
#include "softmax.cu"
#include "layernorm.cu"
#include "reduce.cu"
#include "adamw.cu"
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
static int rowThreads(int n) { return std::max(32, std::min(512, (n + 31) / 32 * 32)); }
static int chunksFor(long long rows) { return (int)std::max(1LL, std::min(256LL, (rows + 31) / 32)); }

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
        nvit_launch(rows, 1, rowThreads(n), 1, [&] {
            nvit_layernorm(x.data(), res.empty() ? nullptr : res.data(), res.empty() ? nullptr : sum.data(), nullptr,
                           g.data(), b.data(), 1e-6f, y.data(), mean.data(), rstd.data(), n);
        });
        print(sum); print(y); print(mean); print(rstd);
    } else if (op == "masked_layernorm") { // x, gamma, beta, mask -> y, mean, rstd
        auto x = readFloats(total), g = readFloats(n), b = readFloats(n), mask = readFloats(n);
        std::vector<float> y(total, NAN), mean(rows, NAN), rstd(rows, NAN);
        nvit_launch(rows, 1, rowThreads(n), 1, [&] {
            nvit_layernorm(x.data(), nullptr, nullptr, mask.data(), g.data(), b.data(), 1e-6f, y.data(), mean.data(),
                           rstd.data(), n);
        });
        print(y); print(mean); print(rstd);
    } else if (op == "layernorm_backward" || op == "masked_layernorm_backward") {
        // x, gy, gamma, [mask], mean, rstd, gGamma0, gBeta0 -> gx, gGamma, gBeta. In RowOps' order: the parameter
        // stage reads gy before backward_x writes gx, which the masked run puts over gy (gx may alias gy).
        bool masked = op == "masked_layernorm_backward";
        auto x = readFloats(total), gy = readFloats(total), g = readFloats(n);
        std::vector<float> mask = masked ? readFloats(n) : std::vector<float>();
        auto mean = readFloats(rows), rstd = readFloats(rows), gG = readFloats(n), gB = readFloats(n);
        const float* m = masked ? mask.data() : nullptr;
        int chunks = chunksFor(rows), per = (rows + chunks - 1) / chunks;
        std::vector<float> pg((long long)chunks * n, NAN), pb((long long)chunks * n, NAN);
        nvit_launch((n + 31) / 32, chunks, 32, 8, [&] {
            nvit_layernorm_backward_params_partial(x.data(), gy.data(), m, mean.data(), rstd.data(), pg.data(),
                                                   pb.data(), rows, n, per);
        });
        nvit_launch((n + 255) / 256, 1, 256, 1, [&] { nvit_sum_partials(pg.data(), gG.data(), chunks, n, 1); });
        nvit_launch((n + 255) / 256, 1, 256, 1, [&] { nvit_sum_partials(pb.data(), gB.data(), chunks, n, 1); });
        std::vector<float> own(total, NAN);
        std::vector<float>& gx = masked ? gy : own;
        nvit_launch(rows, 1, rowThreads(n), 1, [&] {
            nvit_layernorm_backward_x(x.data(), gy.data(), g.data(), m, mean.data(), rstd.data(), gx.data(), n);
        });
        print(gx); print(gG); print(gB);
    } else if (op == "sum_rows") { // x, out0 -> out (accumulated)
        auto x = readFloats(total), out = readFloats(n);
        int chunks = chunksFor(rows), per = (rows + chunks - 1) / chunks;
        std::vector<float> part((long long)chunks * n, NAN);
        nvit_launch((n + 31) / 32, chunks, 32, 8, [&] {
            nvit_sum_rows_partial(x.data(), part.data(), rows, n, per);
        });
        nvit_launch((n + 255) / 256, 1, 256, 1, [&] { nvit_sum_partials(part.data(), out.data(), chunks, n, 1); });
        print(out);
    } else if (op == "cross_entropy") { // logits, targets -> loss per row, grad (gradScale 2)
        auto l = readFloats(total), t = readFloats(total);
        std::vector<float> loss(rows, NAN), grad(total, NAN);
        nvit_launch(rows, 1, rowThreads(n), 1, [&] {
            nvit_cross_entropy_soft(l.data(), t.data(), loss.data(), grad.data(), 2.f, rows, n);
        });
        print(loss); print(grad);
    } else if (op == "adamw") { // rows tensors of n elements each: p, g, m, v per tensor; chunk of 3 elements
        std::vector<std::vector<float>> p(rows), g(rows), m(rows), v(rows);
        for (int i = 0; i < rows; i++) { p[i] = readFloats(n); g[i] = readFloats(n); m[i] = readFloats(n); v[i] = readFloats(n); }
        std::vector<float*> pp, mm, vv; std::vector<const float*> gg; std::vector<AdamWChunk> chunks;
        for (int i = 0; i < rows; i++) {
            pp.push_back(p[i].data()); gg.push_back(g[i].data()); mm.push_back(m[i].data()); vv.push_back(v[i].data());
            for (int s = 0; s < n; s += 3) chunks.push_back({i, std::min(3, n - s), s});
        }
        float bc1 = 1 - powf(0.9f, 3), bc2 = 1 - powf(0.999f, 3);
        nvit_launch(chunks.size(), 1, 32, 1, [&] {
            nvit_adamw_multi(pp.data(), gg.data(), mm.data(), vv.data(), chunks.data(), 1e-3f, 0.9f, 0.999f, 1e-8f,
                             0.05f, bc1, bc2);
        });
        for (int i = 0; i < rows; i++) { print(p[i]); print(m[i]); print(v[i]); }
    } else {
        fprintf(stderr, "unknown op %s\n", opName);
        return 2;
    }
    return 0;
}
