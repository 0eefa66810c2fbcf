// Runs the fused attention kernels (forward, dK/dV, dQ) of every precision policy on the host with threadshim (one OS
// thread per CUDA thread, real barriers and warp exchanges) and its wmma stand-in, with AttentionKernels' grid and
// shared-memory size, behind a canary that catches a carve-up larger than the size. stdin:
//   "forward <f32|tf32|bf16> <fused 0/1> b n h dq dv" then q, k, v (fused: one qkv [b, n, h(2dq + dv)]) -> out, lse
//   "backward ..." then q, k, v, out, gOut, lse, gq0, gk0, gv0 -> gq, gk, gv (betas: q 0, k 0, v 1)
//   "sizes dq dv" -> the shared bytes of the three kernels for 4-byte, then 2-byte operands
#include "attention.cu"
#include <cstdio>
#include <string>

static std::vector<float> readFloats(long long n) {
    std::vector<float> v(n);
    for (auto& x : v) if (scanf("%f", &x) != 1) { fprintf(stderr, "short input\n"); exit(2); }
    return v;
}

static void print(const std::vector<float>& v) {
    for (float x : v)
        if (std::isnan(x)) printf("NaN\n");
        else if (std::isinf(x)) printf(x > 0 ? "Infinity\n" : "-Infinity\n");
        else printf("%.9g\n", x);
}

struct Operands { // q, k, v as the kernels see them: first column of head 0, row stride
    std::vector<float> qkv, q, k, v;
    const float *pq, *pk, *pv;
    int ldq, ldk, ldv;
};

// fused 2: the fused layout one float past a 16-byte boundary, so the tiles load one float at a time
static Operands read(int fused, int b, int n, int h, int dq, int dv) {
    Operands o;
    if (fused) {
        int ld = h * (2 * dq + dv), shift = fused == 2 ? 1 : 0;
        o.qkv = readFloats((long long)b * n * ld);
        o.qkv.insert(o.qkv.begin(), shift, NAN);
        o.pq = o.qkv.data() + shift; o.pk = o.pq + h * dq; o.pv = o.pq + 2 * h * dq;
        o.ldq = o.ldk = o.ldv = ld;
    } else {
        o.q = readFloats((long long)b * n * h * dq); o.k = readFloats((long long)b * n * h * dq);
        o.v = readFloats((long long)b * n * h * dv);
        o.pq = o.q.data(); o.pk = o.k.data(); o.pv = o.v.data();
        o.ldq = o.ldk = h * dq; o.ldv = h * dv;
    }
    return o;
}

static int elemOf(const std::string& p) { return p == "bf16" ? 2 : 4; }

template <class F> static void launch(int which, int elem, int dq, int dv, unsigned gx, unsigned gy, unsigned gz, F f) {
    nvit_set_dynamic_smem(attn::sharedBytes(which, dq, dv, elem));
    nvit_launch3(gx, gy, gz, 128, 1, f);
    if (!nvit_dynamic_smem_intact()) { fprintf(stderr, "kernel %d wrote past its shared memory\n", which); exit(3); }
}

#define DISPATCH(policy, call) \
    if (policy == "f32") { call(f32); } else if (policy == "tf32") { call(tf32); } \
    else if (policy == "bf16") { call(bf16); } else { fprintf(stderr, "unknown policy\n"); exit(2); }

int main() {
    char opName[32], pol[8];
    if (scanf("%31s", opName) != 1) return 2;
    std::string op = opName;
    if (op == "sizes") {
        int dq, dv;
        if (scanf("%d %d", &dq, &dv) != 2) return 2;
        for (int e : {4, 2}) for (int k = 0; k < 3; k++) printf("%d\n", attn::sharedBytes(k, dq, dv, e));
        return 0;
    }
    int fused, b, n, h, dq, dv;
    if (scanf("%7s %d %d %d %d %d %d", pol, &fused, &b, &n, &h, &dq, &dv) != 7) return 2;
    std::string policy = pol;
    int elem = elemOf(policy);
    float scale = 1.0f / sqrtf((float)dq);
    unsigned tiles = (n + 63) / 64;
    Operands o = read(fused, b, n, h, dq, dv);
    if (op == "forward") {
        std::vector<float> out((long long)b * n * h * dv, NAN), lse((long long)b * h * n, NAN);
#define FWD(s) launch(0, elem, dq, dv, tiles, h, b, [&] { \
        nvit_attention_forward_##s(o.pq, o.ldq, o.pk, o.ldk, o.pv, o.ldv, out.data(), lse.data(), n, h, dq, dv, scale); })
        DISPATCH(policy, FWD)
        print(out); print(lse);
    } else if (op == "backward") {
        auto out = readFloats((long long)b * n * h * dv), gout = readFloats((long long)b * n * h * dv);
        auto lse = readFloats((long long)b * h * n);
        // gradient destinations shaped like the operands: one buffer for fused qkv (disjoint column blocks)
        std::vector<float> g, gq, gk, gv;
        float *dq_, *dk_, *dv_;
        int ldgq, ldgk, ldgv;
        if (fused) {
            int ld = h * (2 * dq + dv);
            g = readFloats((long long)b * n * ld);
            dq_ = g.data(); dk_ = g.data() + h * dq; dv_ = g.data() + 2 * h * dq;
            ldgq = ldgk = ldgv = ld;
        } else {
            gq = readFloats((long long)b * n * h * dq); gk = readFloats((long long)b * n * h * dq);
            gv = readFloats((long long)b * n * h * dv);
            dq_ = gq.data(); dk_ = gk.data(); dv_ = gv.data();
            ldgq = ldgk = h * dq; ldgv = h * dv;
        }
#define BWD(s) \
        launch(1, elem, dq, dv, tiles, h, b, [&] { nvit_attention_backward_kv_##s(o.pq, o.ldq, o.pk, o.ldk, o.pv, o.ldv, \
            out.data(), gout.data(), lse.data(), dk_, ldgk, 0.f, dv_, ldgv, 1.f, n, h, dq, dv, scale); }); \
        launch(2, elem, dq, dv, tiles, h, b, [&] { nvit_attention_backward_q_##s(o.pq, o.ldq, o.pk, o.ldk, o.pv, o.ldv, \
            out.data(), gout.data(), lse.data(), dq_, ldgq, 0.f, n, h, dq, dv, scale); })
        DISPATCH(policy, BWD)
        if (fused) print(g); else { print(gq); print(gk); print(gv); }
    } else {
        fprintf(stderr, "unknown op %s\n", opName);
        return 2;
    }
    return 0;
}
