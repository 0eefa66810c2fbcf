// Host-side build of the kernels' scalar helpers (the same source the GPU runs), so a machine without a GPU can
// check them bit for bit against Java: the dropout hash and float->bf16 rounding. Reads "seed counter" or
// "bf16 bits" lines on stdin; prints the float bits of the result as unsigned decimal.
#include "random.cu"
#include <cuda_bf16.h>
#include <cstdio>
#include <cstring>

int main() {
    char kind[16];
    unsigned long long a, b;
    while (scanf("%15s %llu %llu", kind, &a, &b) == 3) {
        float f;
        if (strcmp(kind, "u") == 0) {
            f = uniformAt(a, b);
        } else {
            unsigned int bits = (unsigned int)a;
            float in;
            memcpy(&in, &bits, 4);
            f = __bfloat162float(__float2bfloat16_rn(in));
        }
        unsigned int out;
        memcpy(&out, &f, 4);
        printf("%u\n", out);
    }
    return 0;
}
