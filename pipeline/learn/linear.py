"""LinearModel: multinomial logistic regression stored as readable JSON; scoring needs no ML library.

Training (``fit``) uses scikit-learn, installed only with the ``train`` extra; a fitted model is a
table of weights per feature name, so the runtime reads it with the standard library and spaCy alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Features = Mapping[str, float]


@dataclass
class LinearModel:
    """``classes[k]`` scores ``bias[k] + sum(weights[f][k] * x[f])``; probabilities by softmax.

    A binary model keeps one column (the logit of ``classes[1]``), as scikit-learn does."""

    classes: list[str]
    weights: dict[str, list[float]] = field(default_factory=dict)
    bias: list[float] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def logits(self, x: Features) -> list[float]:
        if len(self.bias) == 1:
            return [self._binary_logit(x)]
        out = list(self.bias)
        for name, value in x.items():
            w = self.weights.get(name)
            if w is not None and value:
                for k, wk in enumerate(w):
                    out[k] += wk * value
        return out

    def _binary_logit(self, x: Features) -> float:
        """``logits(x)[0]`` of a one-column model: the same sums in the same order, without a loop per column."""
        z = self.bias[0]
        weights = self.weights
        for name, value in x.items():
            w = weights.get(name)
            if w is not None and value:
                z += w[0] * value
        return z

    def predict_proba(self, x: Features) -> dict[str, float]:
        z = self.logits(x)
        if len(self.classes) == 2 and len(z) == 1:
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z[0]))))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        top = max(z)
        exp = [math.exp(v - top) for v in z]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp, strict=True)}

    def predict(self, x: Features) -> tuple[str, float]:
        proba = self.predict_proba(x)
        label = max(self.classes, key=lambda c: proba[c])
        return label, proba[label]

    def to_dict(self) -> dict[str, Any]:
        return {"classes": self.classes, "bias": [round(b, 6) for b in self.bias],
                "weights": {f: [round(v, 6) for v in w] for f, w in sorted(self.weights.items())
                            if any(abs(v) >= 1e-6 for v in w)},
                "meta": self.meta}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinearModel:
        return cls(list(data["classes"]), {k: list(v) for k, v in data["weights"].items()},
                   list(data["bias"]), dict(data.get("meta", {})))


def fit(xs: Sequence[Features], ys: Sequence[str], *, c: float = 1.0, seed: int = 0,
        class_weight: str | None = None, meta: Mapping[str, Any] | None = None) -> LinearModel:
    """Fit L2 logistic regression (liblinear/lbfgs, deterministic for a seed) on feature dicts."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(sparse=True)
    matrix = vec.fit_transform([dict(x) for x in xs])
    classes = sorted(set(ys))
    if len(classes) == 1:  # nothing to learn: a constant model
        return LinearModel(classes, {}, [0.0], dict(meta or {}))
    clf = LogisticRegression(C=c, max_iter=2000, random_state=seed, class_weight=class_weight)
    clf.fit(matrix, list(ys))
    names = vec.get_feature_names_out()
    coef = clf.coef_  # (1, n) for binary, (k, n) otherwise
    weights = {str(name): [float(coef[k][j]) for k in range(coef.shape[0])] for j, name in enumerate(names)}
    return LinearModel([str(c) for c in clf.classes_], weights, [float(b) for b in clf.intercept_], dict(meta or {}))


def merge_features(*groups: Iterable[tuple[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for group in groups:
        for name, value in group:
            out[name] = out.get(name, 0.0) + value
    return out
