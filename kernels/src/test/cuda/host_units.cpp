// Runs the per-unit kernels of units.cu (dotAlong's rows/columns stages and finish, scaleAlong, accumulateScore) on
// the host with threadshim, with UnitKernels' launch geometry (or a forced one, to reach slice boundaries and
// grid-stride wraps on small inputs), for comparison with Java's reference backend without a GPU.
// stdin: "<op> <ints...>" then the inputs, one value a line; stdout: the outputs, one a line.
#include "units.cu"
#include <algorithm>
#include <cstdio>
#include <string>

static std::vector<float> readFloats(long long n) {
    std::vector<float> v(n);
    for (auto& x : v) if (scanf("%f", &x) != 1) { fprintf(stderr, "short input\n"); exit(2); }
    return v;
}
// Non-finite values as Java's Float.parseFloat reads them.
static void print(const std::vector<float>& v) {
    for (float x : v)
        if (std::isnan(x)) printf("NaN\n");
        else if (std::isinf(x)) printf(x > 0 ? "Infinity\n" : "-Infinity\n");
        else printf("%.9g\n", x);
}
// UnitKernels.slices / sliceThreads and RowOps.chunks.
static int slicesFor(long long perUnit) { return (int)std::max(1LL, std::min(65535LL, (perUnit + 4095) / 4096)); }
static int sliceThreads(long long per) { return (int)std::max(32LL, std::min(256LL, (per + 31) / 32 * 32)); }
static int chunksFor(long long rows) { return (int)std::max(1LL, std::min(256LL, (rows + 31) / 32)); }

int main() {
    char opName[32];
    if (scanf("%31s", opName) != 1) return 2;
    std::string op = opName;
    if (op == "dot_along") { // outer units inner slice (0: UnitKernels' geometry); a, b, out0 -> out. alpha -0.75
        long long outer; int units, inner, slice;
        if (scanf("%lld %d %d %d", &outer, &units, &inner, &slice) != 4) return 2;
        long long n = outer * units * inner, perUnit = outer * inner;
        auto a = readFloats(n), b = readFloats(n), out = readFloats(units);
        int chunks = 0;
        std::vector<float> part;
        if (perUnit > 0 && inner == 1) {
            chunks = slice > 0 ? (int)((outer + slice - 1) / slice) : chunksFor(outer);
            int per = (int)((outer + chunks - 1) / chunks);
            part.assign((long long)chunks * units, NAN);
            nvit_launch((units + 31) / 32, chunks, 32, 8, [&] {
                nvit_dot_along_cols(a.data(), b.data(), part.data(), outer, units, per);
            });
        } else if (perUnit > 0) {
            chunks = slice > 0 ? (int)((perUnit + slice - 1) / slice) : slicesFor(perUnit);
            long long per = (perUnit + chunks - 1) / chunks;
            part.assign((long long)chunks * units, NAN);
            nvit_launch(units, chunks, sliceThreads(per), 1, [&] {
                nvit_dot_along_rows(a.data(), b.data(), part.data(), units, outer, inner, per);
            });
        }
        nvit_launch((units + 255) / 256, 1, 256, 1, [&] {
            nvit_dot_along_finish(part.empty() ? nullptr : part.data(), out.data(), -0.75f, chunks, units);
        });
        print(out);
    } else if (op == "scale_along") { // outer units inner grid block; x, factors -> x
        long long outer; int units, inner; unsigned grid, block;
        if (scanf("%lld %d %d %u %u", &outer, &units, &inner, &grid, &block) != 5) return 2;
        long long n = outer * units * inner;
        auto x = readFloats(n), f = readFloats(units);
        nvit_launch(grid, 1, block, 1, [&] { nvit_scale_along(x.data(), f.data(), n, units, inner); });
        print(x);
    } else if (op == "accumulate_score") { // n score grid block; c, sum -> c, sum
        long long n; int score; unsigned grid, block;
        if (scanf("%lld %d %u %u", &n, &score, &grid, &block) != 4) return 2;
        auto c = readFloats(n), sum = readFloats(n);
        nvit_launch(grid, 1, block, 1, [&] { nvit_accumulate_score(c.data(), sum.data(), score, n); });
        print(c); print(sum);
    } else {
        fprintf(stderr, "unknown op %s\n", opName);
        return 2;
    }
    return 0;
}
