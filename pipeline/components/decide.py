"""claims_decide: the trained decisions over rule candidates (models from ``make train``, JSON weights)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.tokens import Doc

from models.records import ArticleClaims
from pipeline.learn.linear import LinearModel
from pipeline.learn.registry import modules

MANIFEST = "manifest.json"


@Language.factory("claims_decide", assigns=["doc._.study_type", "doc._.study_type_score", "doc._.decider"])
def make_decide(nlp: Language, name: str) -> DecideComponent:
    return DecideComponent()


class DecideComponent:
    """Holds the loaded models; with none loaded it leaves every decision to the rules."""

    def __init__(self, models: dict[str, LinearModel] | None = None, manifest: dict[str, Any] | None = None) -> None:
        self.models: dict[str, LinearModel] = dict(models or {})
        self.manifest: dict[str, Any] = dict(manifest or {})

    @property
    def version(self) -> str | None:
        return self.manifest.get("model_version")

    def __call__(self, doc: Doc) -> Doc:
        doc._.decider = self if self.models else None
        if self.models:
            for module in modules():
                if hasattr(module, "annotate"):
                    module.annotate(doc, self.models)
        return doc

    def finish(self, doc: Doc, claims: ArticleClaims) -> None:
        """Decisions over assembled trials (outcome directions, ...), called by the assembly."""
        for module in modules():
            if hasattr(module, "finish"):
                module.finish(doc, claims, self.models)

    def to_disk(self, path: str | Path, *, exclude: Any = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name, model in sorted(self.models.items()):
            srsly.write_json(path / f"{name}.json", model.to_dict())
        if self.manifest:
            srsly.write_json(path / MANIFEST, self.manifest)

    def from_disk(self, path: str | Path, *, exclude: Any = ()) -> DecideComponent:
        path = Path(path)
        self.models = {}
        self.manifest = {}
        if not path.is_dir():
            return self
        for file in sorted(path.glob("*.json")):
            if file.name == MANIFEST:
                self.manifest = dict(srsly.read_json(file))
            else:
                self.models[file.stem] = LinearModel.from_dict(srsly.read_json(file))
        return self
