// Runs the layout and elementwise kernels on the host (hostshim instead of CUDA) with a small grid, so the
// grid-stride loops and index arithmetic can be compared with Java's reference backend on a machine without a GPU.
// stdin: "<op> <ints...>" then the input values; stdout: the output values, one per line.
#include "elementwise.cu"
#include "layout.cu"
#include <cstdio>
#include <string>
#include <vector>
#include <functional>

static void run(const std::function<void()>& kernel) {
    gridDim.x = 3; blockDim.x = 32; // far fewer threads than elements: every grid-stride step is exercised
    for (blockIdx.x = 0; blockIdx.x < gridDim.x; blockIdx.x++)
        for (threadIdx.x = 0; threadIdx.x < blockDim.x; threadIdx.x++) kernel();
}

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
    } else if (op == "add_bias" || op == "scale_samples") { // rows cols, then x, then bias [cols] or scale [rows]
        int rows, cols;
        if (scanf("%d %d", &rows, &cols) != 2) return 2;
        long long n = (long long)rows * cols;
        out = readFloats(n);
        if (op == "add_bias") {
            auto bias = readFloats(cols);
            run([&] { nvit_add_bias(out.data(), bias.data(), n, cols); });
        } else {
            auto s = readFloats(rows);
            std::vector<float> x = out;
            run([&] { nvit_scale_samples(x.data(), s.data(), out.data(), n, cols); });
        }
    } else {
        fprintf(stderr, "unknown op %s\n", opName);
        return 2;
    }
    for (float v : out) printf("%.9g\n", v);
    return 0;
}
