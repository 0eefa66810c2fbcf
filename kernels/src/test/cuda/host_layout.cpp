// Runs the layout, token and elementwise kernels on the host (hostshim instead of CUDA) with a small grid, so the
// grid-stride loops and index arithmetic can be compared with Java's reference backend on a machine without a GPU.
// stdin: "<op> <ints...>" then the input values; stdout: the output values, one per line.
#include "elementwise.cu"
#include "layout.cu"
#include "tokens.cu"
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <functional>

// A grid of gx x gy blocks of bx threads, one (block, thread) at a time.
static void runGrid(unsigned gx, unsigned gy, unsigned bx, const std::function<void()>& kernel) {
    gridDim = {gx, gy, 1}; blockDim = {bx, 1, 1};
    for (blockIdx.y = 0; blockIdx.y < gy; blockIdx.y++)
        for (blockIdx.x = 0; blockIdx.x < gx; blockIdx.x++)
            for (threadIdx.x = 0; threadIdx.x < bx; threadIdx.x++) kernel();
}

// Far fewer threads than elements (3 x 32, and 2 row lanes for row-wise kernels): every grid-stride step is taken.
static void run(const std::function<void()>& kernel) { runGrid(3, 1, 32, kernel); }
static void runRows(const std::function<void()>& kernel) { runGrid(2, 2, 32, kernel); }

static std::vector<float> readFloats(long long n) {
    std::vector<float> v(n);
    for (auto& x : v) if (scanf("%f", &x) != 1) { fprintf(stderr, "short input\n"); exit(2); }
    return v;
}

int main() {
    char opName[32];
    if (scanf("%31s", opName) != 1) return 2;
    std::string op = opName;
    std::vector<float> out;
    if (op == "patchify" || op == "unpatchify") {
        int b, c, h, w, p;
        if (scanf("%d %d %d %d %d", &b, &c, &h, &w, &p) != 5) return 2;
        long long np = (long long)b * (h / p) * (w / p) * c * p * p, ni = (long long)b * c * h * w;
        if (op == "patchify") {
            auto img = readFloats(ni);
            out.assign(np, NAN);
            run([&] { nvit_patchify(img.data(), out.data(), c, h, w, p, np); });
        } else {
            auto pat = readFloats(np);
            out.assign(ni, NAN);
            run([&] { nvit_unpatchify(pat.data(), out.data(), c, h, w, p, ni); });
        }
    } else if (op == "split_heads" || op == "merge_heads") {
        int b, nt, heads, d;
        if (scanf("%d %d %d %d", &b, &nt, &heads, &d) != 4) return 2;
        long long n = (long long)b * nt * heads * d;
        auto x = readFloats(n);
        out.assign(n, NAN);
        if (op == "split_heads") run([&] { nvit_split_heads(x.data(), out.data(), nt, heads, d, n); });
        else run([&] { nvit_merge_heads(x.data(), out.data(), nt, heads, d, n); });
    } else if (op == "concat") { // rows, widths w1 w2 w3 -> parts read in order, concatenated
        int rows, w1, w2, w3;
        if (scanf("%d %d %d %d", &rows, &w1, &w2, &w3) != 4) return 2;
        int ws[3] = {w1, w2, w3}, total = w1 + w2 + w3, col = 0;
        out.assign((long long)rows * total, NAN);
        for (int i = 0; i < 3; i++) {
            auto part = readFloats((long long)rows * ws[i]);
            long long cnt = (long long)rows * ws[i];
            run([&] { nvit_copy_cols(part.data(), ws[i], 0, out.data(), total, col, ws[i], cnt); });
            col += ws[i];
        }
    } else if (op == "add_bias" || op == "scale_samples" || op == "bias_gelu" || op == "bias_residual") {
        // "<op> <vec 0/1> rows cols [rowsPerSample p seed]", then x (res for bias_residual), then bias [cols] / scale
        // [rows] / y: the outputs (add_bias: x; scale_samples: y; bias_gelu: pre, y; bias_residual: out, mask)
        int vec, rows, cols, rps = 1;
        float p = 0;
        unsigned long long seed = 0;
        if (scanf("%d %d %d", &vec, &rows, &cols) != 3) return 2;
        if (op == "bias_residual" && scanf("%d %f %llu", &rps, &p, &seed) != 3) return 2;
        long long n = (long long)rows * cols;
        out = readFloats(n);
        std::vector<float> tail;
        if (op == "add_bias") {
            auto bias = readFloats(cols);
            if (vec) runRows([&] { nvit_add_bias4(out.data(), bias.data(), rows, cols); });
            else runRows([&] { nvit_add_bias(out.data(), bias.data(), rows, cols); });
        } else if (op == "scale_samples") {
            auto sc = readFloats(rows);
            std::vector<float> x = out;
            if (vec) runRows([&] { nvit_scale_samples4(x.data(), sc.data(), out.data(), rows, cols); });
            else runRows([&] { nvit_scale_samples(x.data(), sc.data(), out.data(), rows, cols); });
        } else if (op == "bias_gelu") {
            auto bias = readFloats(cols);
            std::vector<float> x = out;
            tail.assign(n, NAN);
            if (vec) runRows([&] { nvit_bias_gelu4(x.data(), bias.data(), out.data(), tail.data(), rows, cols); });
            else runRows([&] { nvit_bias_gelu(x.data(), bias.data(), out.data(), tail.data(), rows, cols); });
        } else {
            auto y = readFloats(n), bias = readFloats(cols);
            float keep = p > 0 ? (float)(1.0 / (1.0 - (double)p)) : 1.f;
            std::vector<float> res = out;
            tail.assign(rows / rps, NAN);
            if (vec) runRows([&] { nvit_bias_residual4(res.data(), y.data(), bias.data(), p, keep, seed, tail.data(),
                                                       out.data(), rows, cols, rps); });
            else runRows([&] { nvit_bias_residual(res.data(), y.data(), bias.data(), p, keep, seed, tail.data(),
                                                  out.data(), rows, cols, rps); });
        }
        out.insert(out.end(), tail.begin(), tail.end());
    } else if (op == "elementwise") { // "<vec 0/1> n", then a, b -> fill, copy, add, axpy, mul, scale, gelu, gelu'
        int vec;
        long long n;
        if (scanf("%d %lld", &vec, &n) != 2) return 2;
        auto a = readFloats(n), b = readFloats(n);
        std::vector<float> o(n);
        auto emit = [&] { out.insert(out.end(), o.begin(), o.end()); };
#define BOTH(call4, call1) if (vec) run([&] { call4; }); else run([&] { call1; })
        BOTH(nvit_fill4(o.data(), 1.5f, n), nvit_fill(o.data(), 1.5f, n)); emit();
        BOTH(nvit_copy4(a.data(), o.data(), n), nvit_copy(a.data(), o.data(), n)); emit();
        BOTH(nvit_add4(a.data(), b.data(), o.data(), n), nvit_add(a.data(), b.data(), o.data(), n)); emit();
        o = b;
        BOTH(nvit_axpy4(0.7f, a.data(), o.data(), n), nvit_axpy(0.7f, a.data(), o.data(), n)); emit();
        BOTH(nvit_mul4(a.data(), b.data(), o.data(), n), nvit_mul(a.data(), b.data(), o.data(), n)); emit();
        BOTH(nvit_scale4(a.data(), -0.3f, o.data(), n), nvit_scale(a.data(), -0.3f, o.data(), n)); emit();
        BOTH(nvit_gelu4(a.data(), o.data(), n), nvit_gelu(a.data(), o.data(), n)); emit();
        BOTH(nvit_gelu_backward4(a.data(), b.data(), o.data(), n), nvit_gelu_backward(a.data(), b.data(), o.data(), n)); emit();
    } else if (op == "scale_matrices") { // "m n ldc strideC batch beta", then C -> C (only the m x n blocks scaled)
        int m, nn, ldc, batch;
        long long strideC;
        float beta;
        if (scanf("%d %d %d %lld %d %f", &m, &nn, &ldc, &strideC, &batch, &beta) != 6) return 2;
        out = readFloats((batch - 1) * strideC + (long long)(m - 1) * ldc + nn);
        long long rows = (long long)m * batch;
        runRows([&] { nvit_scale_matrices(out.data(), beta, m, nn, ldc, strideC, rows); });
    } else if (op == "tokens") { // "b d n0 n1 bcast0", parts p0 [b or 1, n0, d], p1 [b, n1, d], gy [b, N, d],
        // g0, g1 (grad buffers like the parts), x = concat -> concat, g0 + .., g1 + .., cls token, gx += cls grad
        int b, d, n0, n1, bc0;
        if (scanf("%d %d %d %d %d", &b, &d, &n0, &n1, &bc0) != 5) return 2;
        int nt = n0 + n1, b0 = bc0 ? 1 : b, dBlocks = (d + 127) / 128;
        auto p0 = readFloats((long long)b0 * n0 * d), p1 = readFloats((long long)b * n1 * d);
        auto gy = readFloats((long long)b * nt * d), g0 = readFloats((long long)b0 * n0 * d), g1 = readFloats((long long)b * n1 * d);
        std::vector<float> cat((long long)b * nt * d, NAN), cls((long long)b * d, NAN);
        runGrid(nt * dBlocks, b, 128, [&] {
            nvit_concat_tokens(p0.data(), p1.data(), nullptr, nullptr, n0, n1, 0, 0, bc0, cat.data(), nt, d, dBlocks);
        });
        runGrid(nt * dBlocks, 1, 128, [&] {
            nvit_concat_tokens_backward(gy.data(), g0.data(), g1.data(), nullptr, nullptr, n0, n1, 0, 0, bc0, b, nt, d,
                                        dBlocks);
        });
        runGrid(dBlocks, b, 128, [&] { nvit_select_token(cat.data(), cls.data(), 0, nt, d); });
        std::vector<float> gx = gy;
        runGrid(dBlocks, b, 128, [&] { nvit_select_token_backward(cls.data(), gx.data(), n0, nt, d); });
        for (auto* v : {&cat, &g0, &g1, &cls, &gx}) out.insert(out.end(), v->begin(), v->end());
    } else {
        fprintf(stderr, "unknown op %s\n", opName);
        return 2;
    }
    for (float v : out) // non-finite values as Java's Float.parseFloat reads them
        if (std::isnan(v)) printf("NaN\n");
        else if (std::isinf(v)) printf(v > 0 ? "Infinity\n" : "-Infinity\n");
        else printf("%.9g\n", v);
    return 0;
}
