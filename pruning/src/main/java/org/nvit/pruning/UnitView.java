package org.nvit.pruning;

import org.nvit.engine.Tensor;
import org.nvit.models.structure.Coupling;

/**
 * A parameter's elements seen as [outer, units, inner] along one {@link Coupling}, as the per-unit backend ops
 * ({@code dotAlong}, {@code scaleAlong}) take them: a contiguous view of the parameter plus the two counts.
 */
record UnitView(Tensor flat, int outer, int inner) {
    static UnitView of(Tensor param, Coupling c) {
        Coupling.View v = c.view(param.shape());
        long from = v.offset(), to = from + v.numel(c.units());
        return new UnitView(param.reshape(-1).slice(Math.toIntExact(from), Math.toIntExact(to)), v.outer(), v.inner());
    }
}
