package org.nvit.autograd;

import java.util.Arrays;
import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * a + b where the smaller operand's shape (leading 1s dropped) is a suffix of the other's: it is broadcast over the
 * leading dims (bias, position embedding). Its gradient is the upstream gradient summed over those dims.
 */
final class Add {
    private Add() {}

    static Var apply(Var a, Var b) {
        if (a.value().numel() < b.value().numel()) { Var t = a; a = b; b = t; }
        Var big = a, small = b;
        Tensor av = big.value(), bv = small.value();
        if (!isSuffix(stripOnes(bv.shape()), av.shape()))
            throw Ops.bad("add", "shapes " + Ops.str(av) + " and " + Ops.str(bv)
                    + " do not broadcast (the smaller must match the trailing dims of the larger)");
        Backend be = Ops.be(av);
        Tensor y = Ops.emptyLike(av);
        int nb = (int) bv.numel();
        boolean same = nb == av.numel();
        if (same) be.add(av, bv, y);
        else if (nb > 0) {
            be.copy(av, y);
            be.addBias(y.reshape(-1, nb), bv);
        }
        return Var.result(y, gy -> {
            big.accumulate(gy);
            if (small.requiresGrad()) {
                if (same) small.accumulate(gy);
                else if (nb > 0) be.sumRows(gy.reshape(-1, nb), small.gradBuffer(), true);
            }
        }, big, small);
    }

    private static int[] stripOnes(int[] s) {
        int i = 0;
        while (i < s.length - 1 && s[i] == 1) i++;
        return Arrays.copyOfRange(s, i, s.length);
    }

    private static boolean isSuffix(int[] small, int[] big) {
        if (small.length > big.length) return false;
        for (int i = 1; i <= small.length; i++) if (small[small.length - i] != big[big.length - i]) return false;
        return true;
    }
}
