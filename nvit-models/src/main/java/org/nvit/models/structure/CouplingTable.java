package org.nvit.models.structure;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every {@link Coupling} of a model, by dimension: the one description of which parameter slices each prunable unit
 * owns. Models build it from their layers ({@code VisionTransformer#couplings}); pruning reads it to score units,
 * to mask them and to cut them out, so a new layer, token or pooling changes the model only.
 *
 * <p>Dimensions come in NViT's order: EMB, then per block HEAD, QK, V, MLP.
 */
public final class CouplingTable {
    private final Map<Dim, List<Coupling>> byDim = new LinkedHashMap<>();
    private final Map<Dim, Integer> units = new LinkedHashMap<>();
    private final List<Coupling> all;

    public CouplingTable(Collection<Coupling> couplings) {
        this.all = List.copyOf(couplings);
        List<Dim> dims = new ArrayList<>();
        for (Coupling c : all) if (!dims.contains(c.dim())) dims.add(c.dim());
        dims.sort(Comparator.comparingInt(Dim::block).thenComparing(Dim::kind));
        for (Dim d : dims) byDim.put(d, new ArrayList<>());
        for (Coupling c : all) {
            Integer n = units.putIfAbsent(c.dim(), c.units());
            if (n != null && n != c.units())
                throw new IllegalArgumentException(c.dim() + " has " + n + " units in one coupling and " + c.units() + " in " + c);
            byDim.get(c.dim()).add(c);
        }
        byDim.replaceAll((d, l) -> List.copyOf(l));
    }

    /** The dimensions, in NViT's order. */
    public List<Dim> dims() { return List.copyOf(byDim.keySet()); }

    /** Units of a dimension at the model's size. */
    public int units(Dim d) {
        Integer n = units.get(d);
        if (n == null) throw new IllegalArgumentException("the model has no dimension " + d);
        return n;
    }

    /** The couplings of one dimension, in the order the layers declared them. */
    public List<Coupling> of(Dim d) {
        List<Coupling> l = byDim.get(d);
        if (l == null) throw new IllegalArgumentException("the model has no dimension " + d);
        return l;
    }

    public List<Coupling> all() { return all; }

    /** The parameter names any coupling touches. */
    public Set<String> params() {
        Set<String> s = new java.util.LinkedHashSet<>();
        for (Coupling c : all) s.add(c.param());
        return s;
    }

    /** This table without the couplings of parameters outside {@code present} (a state dict without some biases). */
    public CouplingTable restrictedTo(Set<String> present) {
        List<Coupling> keep = new ArrayList<>();
        for (Coupling c : all) if (present.contains(c.param())) keep.add(c);
        return new CouplingTable(keep);
    }
}
