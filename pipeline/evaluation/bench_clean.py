"""Main-text benchmark: shingle precision/recall/F1 and pages/s for this cleaner and three baselines."""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.errors import CleanError
from scrapers.clean import clean_html
from scrapers.encoding import decode_html

TOKEN_RE = re.compile(r"\w+", re.UNICODE)


@dataclass
class Page:
    id: str
    url: str | None
    html: str
    gold: str | None = None
    kind: str = ""
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()


# --- metric (ScrapingHub article-extraction-benchmark) ----------------------------------------


def shingles(text: str, n: int = 4) -> Counter:
    tokens = TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def page_counts(gold: str, pred: str) -> tuple[float, float, float]:
    """TP/FP/FN over 4-token shingles, normalised to sum to 1 so long pages weigh no more than short ones."""
    true, got = shingles(gold), shingles(pred)
    tp = fp = fn = 0.0
    for key in true.keys() | got.keys():
        t, p = true.get(key, 0), got.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(pairs: list[tuple[str, str]]) -> dict[str, float]:
    tp = fp = fn = 0.0
    for gold, pred in pairs:
        a, b, c = page_counts(gold, pred)
        tp, fp, fn = tp + a, fp + b, fn + c
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def snippet_score(pages: list[Page], preds: list[str]) -> float:
    """Share of with-snippets found plus without-snippets absent (trafilatura's segment check)."""
    hits = total = 0
    for page, pred in zip(pages, preds, strict=True):
        flat = " ".join(pred.split())
        for snippet in page.with_snippets:
            hits += " ".join(snippet.split()) in flat
            total += 1
        for snippet in page.without_snippets:
            hits += " ".join(snippet.split()) not in flat
            total += 1
    return hits / total if total else 0.0


# --- extractors -------------------------------------------------------------------------------


def run_claims(page: Page) -> str:
    """Body and trailer: the trailer is article content kept in its own field, not boilerplate."""
    try:
        cleaned = clean_html(page.html, page.url)
    except CleanError:
        return ""
    return f"{cleaned.text}\n\n{cleaned.trailer}" if cleaned.trailer else cleaned.text


def run_claims_body(page: Page) -> str:
    try:
        return clean_html(page.html, page.url).text
    except CleanError:
        return ""


def run_trafilatura(page: Page) -> str:
    import trafilatura

    return trafilatura.extract(page.html, url=page.url, favor_precision=True) or ""


def run_readability(page: Page) -> str:
    import lxml.html
    from readability import Document

    summary = Document(page.html).summary(html_partial=True)
    tree = lxml.html.fragment_fromstring(summary, create_parent="div")
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    parts = []
    for el in tree.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "td", "blockquote"):
        parts.append(el.text_content())
    return "\n".join(parts) if parts else tree.text_content()


def run_bs4(page: Page) -> str:
    import warnings

    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        # A few benchmark pages start with an XML declaration; parsing them as HTML is the point here.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(page.html, "lxml")
    return "\n".join(p.get_text(" ", strip=True) for p in soup.find_all("p"))


EXTRACTORS: dict[str, Callable[[Page], str]] = {
    "claims (this)": run_claims,
    "claims, body only": run_claims_body,
    "trafilatura (precision)": run_trafilatura,
    "readability-lxml": run_readability,
    "naive bs4 <p>": run_bs4,
}


# --- data sets --------------------------------------------------------------------------------


def load_aeb(shared: Path) -> list[Page]:
    root = shared / "bench" / "boilerplate" / "scrapinghub-aeb"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items()):
        path = root / "html" / f"{page_id}.html.gz"
        if path.exists():
            html, _ = decode_html(gzip.decompress(path.read_bytes()), "utf-8")
            pages.append(Page(page_id, item.get("url"), html, item.get("articleBody") or ""))
    return pages


def load_corpus(shared: Path) -> tuple[list[Page], list[Page]]:
    """(pages with full gold text, pages with only with/without snippets)."""
    root = shared / "corpus" / "html"
    full, segments = [], []
    for line in (root / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        path = root / item["file"]
        if not path.exists():
            continue
        html, _ = decode_html(path.read_bytes())
        page = Page(item["file"], item.get("url"), html, item.get("text"), item.get("kind", ""),
                    tuple(item.get("with") or ()), tuple(item.get("without") or ()))
        if item.get("gold_type") == "full_text":
            full.append(page)
        elif page.with_snippets or page.without_snippets:
            segments.append(page)
    return full, segments


def run(pages: list[Page], extract: Callable[[Page], str]) -> tuple[list[str], float]:
    if pages:
        extract(pages[0])  # imports and caches load outside the timed loop
    start = time.perf_counter()
    preds = [extract(page) for page in pages]
    return preds, len(pages) / max(1e-9, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", default="../shared", help="the shared data folder (default ../shared)")
    parser.add_argument("--only", action="append", help="run only extractors whose name contains this")
    parser.add_argument("--show", action="store_true", help="print per-page F1 of this cleaner vs trafilatura")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    if not (shared / "bench" / "boilerplate" / "scrapinghub-aeb" / "ground-truth.json").exists():
        print(f"bench_clean: skipped: no benchmark data under {shared}/bench/boilerplate/scrapinghub-aeb "
              "(pass --shared PATH)", file=sys.stderr)
        return 0
    aeb = load_aeb(shared)
    corpus, segments = load_corpus(shared) if (shared / "corpus" / "html" / "gold.jsonl").exists() else ([], [])
    press = [p for p in corpus if p.kind == "press-release"]
    extractors = {k: v for k, v in EXTRACTORS.items() if not args.only or any(o in k for o in args.only)}
    rows = []
    per_page: dict[str, dict[str, list[str]]] = {}
    for name, extract in extractors.items():
        aeb_preds, aeb_speed = run(aeb, extract)
        corpus_preds, corpus_speed = run(corpus, extract)
        seg_preds, _ = run(segments, extract)
        per_page[name] = {"aeb": aeb_preds, "corpus": corpus_preds}
        a = score([(p.gold or "", pred) for p, pred in zip(aeb, aeb_preds, strict=True)])
        c = score([(p.gold or "", pred) for p, pred in zip(corpus, corpus_preds, strict=True)])
        pr = score([(p.gold or "", pred) for p, pred in zip(corpus, corpus_preds, strict=True)
                    if p.kind == "press-release"])
        rows.append((name, a, aeb_speed, c, corpus_speed, pr, snippet_score(segments, seg_preds)))

    print(f"Main-text extraction: ScrapingHub AEB ({len(aeb)} pages), science corpus with gold text "
          f"({len(corpus)} pages, {len(press)} press releases), snippet checks on {len(segments)} more pages")
    print("shingle metric: \\w+ tokens, 4-token shingles, per-page counts normalised, P/R from summed counts")
    print("'claims (this)' scores body + trailer (the trailer is split off, not dropped); 'body only' omits it")
    header = (f"{'extractor':<24} {'AEB P':>6} {'AEB R':>6} {'AEB F1':>7} {'p/s':>6} | {'sci P':>6} {'sci R':>6} "
              f"{'sci F1':>7} {'p/s':>6} | {'press F1':>8} | {'snippets':>8}")
    print(header)
    print("-" * len(header))
    for name, a, aeb_speed, c, corpus_speed, pr, snip in rows:
        print(f"{name:<24} {a['precision']:6.3f} {a['recall']:6.3f} {a['f1']:7.3f} {aeb_speed:6.1f} | "
              f"{c['precision']:6.3f} {c['recall']:6.3f} {c['f1']:7.3f} {corpus_speed:6.1f} | {pr['f1']:8.3f} | "
              f"{snip:8.3f}")
    if args.show and "claims (this)" in per_page and "trafilatura (precision)" in per_page:
        for label, pages in (("aeb", aeb), ("corpus", corpus)):
            mine, theirs = per_page["claims (this)"][label], per_page["trafilatura (precision)"][label]
            for page, m, t in zip(pages, mine, theirs, strict=True):
                fm = score([(page.gold or "", m)])["f1"]
                ft = score([(page.gold or "", t)])["f1"]
                if abs(fm - ft) > 0.01:
                    print(f"{label:6} {page.id[:50]:50} this {fm:.3f} trafilatura {ft:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
