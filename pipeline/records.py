"""claims_from_doc: assemble component spans into trials with arms, doses, outcomes and evidence."""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.tokens import Doc

from models.records import Arm, ArticleClaims, Dose, Outcome, Trial
from pipeline.extensions import Found, doc_text, sentence_spans
from pipeline.learn.value_decide import (
    Choice,
    attribute_outcomes,
    candidate_items,
    choose_arm_n,
    choose_duration,
    choose_size,
    keep_outcomes,
    models_of,
)
from pipeline.patterns import load_rules

TRIAL_TYPES = {"rct", "trial"}
DESIGN_KEEP_MIN = 0.5  # a design cue a trained model scored below this is dropped
COMPARATOR_WORDS = re.compile(r"\b(placebo|sham|usual care|standard care|standard of care|control|dummy|sugar pill|simulated|"
                              r"fake|mock|inactive)s?\b",
                              re.I)
NO_DIFF = re.compile(r"\bno (?:statistically )?(?:significant |important |measurable |meaningful |real |major )?"
                     r"differences?\b|\b(?:were|was|are|is|remained|looked) (?:\w+ )?similar\b|\bsimilar (?:rates?|results?|"
                     r"outcomes?|levels?|numbers?|proportions?|improvements?|gains?|reductions?|effects?|in|between|across|"
                     r"for)\b|\babout the same\b|\broughly the same\b|\bcomparable\b|"
                     r"\bdid(?:n't| not) differ\b|\bno better than\b|\bin each group\b|\bin both groups\b|"
                     r"\bnot (?:statistically )?significant(?:ly)?\b|\bwas not observed\b|\bstatistically no different\b",
                     re.I)
HARM = re.compile(r"\bside[- ]effects?\b|\badverse\b|\b(?:serious|cardiac|cardiovascular|bleeding|thrombotic|coronary|"
                  r"vascular|heart)\s+(?:\w+\s+)?events?\b|\b(?:had|experienced|suffered|reported)\s+(?:at least )?(?:one |an? )?"
                  r"(?:\w+ )?events?\b|\bcomplications?\b|\bdiscontinu|\bwithdr[ea]w\b|\bdied\b|"
                  r"\bdeaths?\b|\binfections?\b|\bnausea\b|\bworse\b|\bharm|\btoxicit|\bbleeding\b|\bincreased slightly\b",
                  re.I)
RESULT_CUE = re.compile(r"\b(?:found|find|finds|show(?:ed|s|n)?|reduc|improv|increas|decreas|drop|fell|fall|rose|"
                        r"lost|los[se]|gain|relaps|remain|achiev|experienc|report|compar|versus|vs\b|than\b|rate|"
                        r"risk|efficac|effective|respon|surviv|alive|died|death|stopped|quit|abstin|side effect|"
                        r"adverse|complication|event|success|cure|clear|heal|remission|lower|higher|better|worse|"
                        r"benefit|differen|similar|significant|had\b|were\b|was\b|cut|halv|doubl|fewer|greater|more\b|"
                        r"less\b|required|needed|spent|lasted|averag)", re.I)
BASELINE = re.compile(r"\b(?:eligib|inclusion|exclu|were required|had to (?:have|be)|at baseline|at the start|"
                      r"median age|mean age|average age|aged|were (?:women|men|female|male|white|black)|"
                      r"recommend|prevalence|each year|every year|worldwide|nationwide|in the (?:U\.?S\.?|United States)"
                      r"|Americans|population|affects?|suffer from|around the world|globally|stock|shares|investors|"
                      r"revenue|sales|market|of gestation|defined as)\b", re.I)
DEMOGRAPHIC = re.compile(r"\b(?:male|female|men|women|white|black|Hispanic|Asian|African[- ]American|median age|mean age|"
                         r"average age|treatment[- ]na[iï]ve|genotype|smokers|diabetic|obese|overweight)\b", re.I)
BACKGROUND = re.compile(r"\b(?:studies|research|previous research) (?:have|has) (?:shown|found|suggested)\b|"
                        r"\b(?:studies|research) (?:suggests?|shows?|finds?|indicates?)\b|\branges? (?:from|between)\b|"
                        r"\b(?:are|is) (?:thought|estimated|believed|expected) to\b|\bas many as\b[^.;]*\bmay\b|"
                        r"\bpooled (?:analysis|data)\b|\bcombined analysis\b|"
                        r"\b(?:is|are) (?:usually|typically|generally|normally)\b|"
                        r"\b(?:usually|typically|generally|normally) (?:less|more|fewer|between|about|around|under|over)\b|"
                        r"(?:%|percent) of (?:all )?(?:people|adults|Americans|women|men|children|patients|individuals) "
                        r"(?:with|who have)\b"
                        r"[^.;]*\b(?:survive|die|develop|are|have|live|will)\b|"
                        r"\baccording to (?:the )?(?:CDC|WHO|Centers|World|American|National)\b", re.I)
TRIAL_WORD = re.compile(r"\b(?:trial|study|RCT|randomi[sz]|placebo|participants?|patients?|volunteers|enrolled|"
                        r"took part|assigned|group|arm|tested|treatments?|received|recruited|doses?|taking)\b", re.I)
GENERIC_TRIAL = re.compile(r"\b(?:more|further|additional|larger|future|other) (?:research|studies|trials)\b", re.I)
DRUG_STOP = {
    "of", "the", "a", "an", "with", "and", "or", "to", "dose", "doses", "dosage", "daily", "monthly", "weekly",
    "received", "receive", "receiving", "given", "taking", "took", "take", "either", "both", "plus", "high", "low",
    "mg", "per", "day", "at", "in", "on", "was", "were", "is", "patients", "participants", "group", "arm", "about",
    "up", "injection", "injections", "capsule", "capsules", "tablet", "tablets", "supplement", "supplements",
    "starting", "rising", "than", "from", "by", "for", "as", "that", "this", "these", "those", "one", "two",
    "three", "four", "once", "twice", "times", "dosed", "high-dose", "low-dose", "higher", "lower", "oral",
    "intravenous", "placebo", "compared", "vs", "versus", "each", "every", "single", "total", "mean", "average",
    "kg", "body", "weight", "their", "its", "his", "her", "drug", "medication", "treatment", "therapy", "after",
    "before", "during", "over", "under", "into", "while", "dose-", "study", "trial", "level", "levels", "amount",
    "it", "they", "we", "he", "she", "had", "have", "has", "be", "been", "being", "also", "only", "just", "more",
    "less", "dosing", "doses.", "used", "using", "use", "containing", "contains", "regimen", "equivalent",
    "week", "weeks", "days", "month", "months", "year", "years", "hour", "hours", "part", "parts",
    # function words and verbs that sit next to amounts but never name a substance
    "if", "not", "get", "gets", "got", "provides", "provide", "against", "milligrams", "milligram", "grams", "gram",
    "micrograms", "intermediate", "individual", "twice-daily", "once-daily", "mass", "additional", "extra",
    "approximately", "roughly", "nearly", "around", "neither", "nor",
    "but", "so", "then", "when", "where", "which", "who", "whose", "what", "there", "here", "all", "any", "some",
}
VAGUE_ARM_WORDS = {"no", "such", "real", "standard", "any", "another", "either", "neither", "new", "first", "second",
                   "third", "older", "younger", "higher", "lower", "larger", "smaller", "overall"}
NOT_ARM_WORDS = {"age", "same", "different", "various", "other", "both", "each", "all", "two", "three", "four",
                 "study", "subgroup", "ethnic", "racial", "income", "risk", "control", "comparison", "whole"}
WORD = re.compile(r"[A-Za-z][\w'’-]*(?:\s+[A-Z]\d?\b)?")
NAME = re.compile(r"\b(?!(?:I{1,3}|IV|V)[ab]?\b)([A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9]*(?:-[A-Z0-9]+)*)"
                  r"(?: \([^)]{0,80}\)){0,2} (?:trial|study)\b|"
                  r"\b(?:trial|study)\b(?:,? (?:called|named|known as)(?: the)?(?: [A-Z][\w-]*){0,8})?\s*"
                  r"\((?P<paren>[A-Z][A-Z0-9]{2,}(?:-[A-Z0-9]+)*)\)|"
                  r"\b(?:known as|called|named) (?:the )?(?P<called>[A-Z][A-Z0-9]{2,}(?:-[A-Z0-9]+)*)\b|"
                  r"\b(?P<coded>[A-Z][A-Za-z]*[A-Z][A-Za-z]*-\d{2,4})\b")  # CheckMate-025, KEYNOTE-189
NOT_CODED = re.compile(r"^(?:COVID|SARS|MERS|IL|CD|HER|BRCA|PD|CTLA|HPV|HIV|ICD|DSM|GLP|SGLT|TNF|FGF|VEGF)-", re.I)
NOT_NAMES = {"FDA", "NIH", "RCT", "US", "UK", "USA", "HIV", "AIDS", "CEO", "MD", "PHD", "CBD", "THC", "EU", "NHS",
             "CDC", "WHO", "ASCO", "AHA", "ACC", "ADA", "DNA", "RNA", "MRI", "CT", "PET", "BMI", "ER", "ICU", "NEJM",
             "JAMA", "BMJ", "LSE", "NYSE", "NASDAQ", "AP", "NCI", "VA", "COVID", "PR", "IND", "NDA", "BLA", "II",
             "III", "IV", "HCV", "HBV", "CI", "HR", "OR", "ADHD", "PTSD", "COPD", "NSCLC", "IBS", "MS", "ALS"}
PHASE = re.compile(r"\bphase\s+(?P<p>IV|III|II|I|[1-4])(?P<ab>[ab])?\b(?:/(?:IV|III|II|I|[1-4]))?", re.I)
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
REGISTRY = re.compile(r"\bNCT\d{8}\b")
TERMINATED = re.compile(r"\b(?:stopped (?:the trial |the study )?early|terminated|halted early|was halted)\b", re.I)
SUCCESS = re.compile(r"\b(?:success(?:ful)?|improv\w*|relie[fv]\w*|remission|respon\w+|cured?|heal\w*)\b", re.I)
RELATIVE = re.compile(r"\b(?:than|compared|versus|vs\b|while|whereas|more|higher(?!\s+(?:\w+\s+)?doses?\b)|increased?|"
                      r"fewer|lower|twice|placebo|control|sham)\b", re.I)
REDUCTION = re.compile(r"\b(?:reduc\w*|lower\w*|fewer|less|decreas\w*|cut|prevent\w*|avoid\w*|drop\w*|fell)\b", re.I)
RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
CLAUSE_BREAK = re.compile(r"[;:]|,\s|\s[-–—]\s|\bcompared (?:with|to)\b|\bversus\b|\bvs\.?\s|\bwhile\b|\bwhereas\b|"
                          r"\bbut\b|\band\s(?=[\w.]+\s?(?:percent|%))")
PARTICIPATION_WORDS = re.compile(r"\b(?:randomi[sz]ed|randomly assigned|enroll?ed|took part|participated)\b", re.I)
ASSIGNMENT = re.compile(r"\b(?:assigned|randomi[sz]ed|allocated|received|given|got|took|were in)\b", re.I)
GROUP_CONTEXT = re.compile(r"\d|%|\b(?:percent|compared|versus|vs|than|assigned|randomi[sz]ed|received|took|given|"
                           r"fewer|more|less|higher|lower|reported|experienced|improved|reduced)\b", re.I)
ARM_CONTEXT = re.compile(r"\b(?:group|arm|assigned|randomi[sz]|compared|versus|vs\b|received|receiving|given|"
                         r"than|allocated)", re.I)
# words that set one group's figure against another's
COMPARISON_WORDS = r"\bcompared (?:with|to)\b|\bversus\b|\bvs\.?\s|\bthan\b|\bwhile\b|\bwhereas\b"
# the words that lead into the group compared against ("compared to warfarin", "than placebo")
COMPARED_LEAD = r"compared (?:with|to)|than|versus|vs\.?|relative to"
COMPARISON = re.compile(COMPARISON_WORDS + r"|\band\b|,", re.I)
QUAL_NO_DIFF = re.compile(r"\bno (?:statistically )?(?:significant |important |measurable |meaningful )?differences? "
                          r"(?:\w+ ){0,6}?between (?:the )?(?:two |three |four |treatment |study )?(?:groups|arms|treatments)\b|"
                          r"\b(?:did|does) not (?:provide |produce |lead to |result in )?(?:any )?(?:better|worse|greater) "
                          r"(?:outcomes|results|relief)\b|\b(?:similar|comparable) (?:\w+ ){0,4}?(?:in|between|across) "
                          r"(?:both|all|the two|the three|the) (?:\w+ )?(?:groups|arms)\b", re.I)
VERSUS_COMPARATOR = re.compile(rf"\b(?:{COMPARED_LEAD}|over) (?:those |patients |people )?"
                               r"(?:(?:on|taking|given|receiving|who (?:got|took|received)) )?(?:a |the )?"
                               r"(?:placebo|sham|control|usual care|standard care|dummy)", re.I)
THE_TREATMENT = re.compile(r"\b(?:the|this) (?:new |experimental |investigational |candidate |active )?(?:drug|vaccine|"
                           r"treatment|therapy|device|supplement|intervention|medication|pill|injection)\b|"
                           r"\btreated (?:patients|participants|group|children|women|men)\b", re.I)
THIS_TRIAL = re.compile(r"^(?:the|this|our) (?:new |current |\w+ )?(?:study|trial)\b|\b(?:this|our) (?:study|trial)\b", re.I)
TIMEPOINT = re.compile(r"\b(?:at|after|by|within) (?P<tp>(?:week|month|day|year) \d+|(?:\w+[- ])?\w+ (?:weeks?|months?|"
                       r"days?|years?|hours?))\b|\b(?P<tp2>\w+ (?:weeks?|months?|days?|years?) later)\b", re.I)
INTRO_GROUP = re.compile(r"^(?:In|Among|For|Within|Of) (?:the |those |patients |participants |people |women |men |children )?"
                         r"[^,;]{2,60}?,", re.I)
# "At the outset, they were asleep 66 percent of the time": the whole sentence is before treatment
OPENS_AT_BASELINE = re.compile(r"\W*(?:at|before) (?:the )?(?:outset|baseline|start|beginning)\b", re.I)
LATER = re.compile(r"\b(?:after|later|by the end|at the end|following|then)\b", re.I)
FOLLOW_UP = re.compile(r"\bfollow(?:ed)?[- ]?up\b|\bfollowed (?:\w+ )?for\b", re.I)  # "a median follow-up of 9 years"
# "compared with ropinirole (63 percent)": the value belongs to something named right before it
OTHER_NAMED = re.compile(r"\b(?:with|than|versus|vs\.?|to) [A-Za-z][\w-]+ \($")
GAP_BETWEEN = re.compile(r"\b(?:gap|difference|differences)\b(?: \w+){0,3}? between\b", re.I)
# "about 10 percent of the women quit": a figure for everyone in the trial, not for one arm
WHOLE_POPULATION = re.compile(r"\b(?:of|among) (?:all |the )?(?:\w+ )?(?:women|men|patients|participants|people|subjects|"
                              r"children|volunteers)\b(?! (?:in|on|who|taking|receiving|given|treated|assigned))", re.I)
CONTINUATION = re.compile(r"^(?:It|They|Those|These (?:patients|participants|people)|This (?:group|dose|arm)|"
                          r"The (?:dose|group|drug|same group))\b")
ACTIVE_GROUP = re.compile(r"\b(?:intervention|treatment|treated|active|experimental|study drug) (?:group|arm)s?\b", re.I)
# between a named arm and a value: the value is another group's ("X ... compared to 49% of ...")
OTHER_GROUP = re.compile(COMPARISON_WORDS + r"|\bunlike\b", re.I)
OTHER_GROUP_AFTER = re.compile(r"\s*(?:percent|%)?\s*of (?:those|people|patients|participants) (?:who|whose|in|on)\b", re.I)
TARGET_AFTER = re.compile(r"\s*(?:percent\s+)?(?:goal|target|threshold|cut-?off|benchmark)\b", re.I)
# "compared to warfarin (HR=0.78)": an arm named as the comparison is not the sentence's subject
COMPARED_TO = re.compile(rf"\b(?:{COMPARED_LEAD}|excluding|except)\s+"
                         r"(?:(?:the|a|an|those|patients|people|participants)\s+)*(?:(?:on|taking|given|receiving|in)\s+)?"
                         r"(?:the\s+|a\s+)?$", re.I)
ALL_GROUPS = re.compile(r"\b(?:each|both|all(?: three| four| two)?) (?:groups?|arms?)\b|\bin all\b", re.I)
BETWEEN = re.compile(r"\bbetween (?:the )?(?:two |three |four )?(?:groups|arms|cohorts)\b|\bgap\b|\bdifference\b|"
                     r"\bbetween [\w -]{1,40}? and [\w -]{1,40}?(?:groups|arms|cohorts)\b", re.I)


@dataclass
class Bucket:
    """The sentences of one trial while the article is read."""

    role: str
    status: str
    sents: list[int] = field(default_factory=list)
    cue: str = ""
    name: str | None = None


def claims_from_doc(doc: Doc) -> ArticleClaims:
    """Turn the spans of the claims components into an ArticleClaims (with the pipeline's value models)."""
    with models_of(doc._.decider):
        return _claims_from_doc(doc)


def _claims_from_doc(doc: Doc) -> ArticleClaims:
    study_type = doc._.study_type or "other"
    if study_type not in TRIAL_TYPES:
        return _decided(doc, ArticleClaims(study_type=study_type, trials=[]))
    text = doc_text(doc)
    sents = sentence_spans(doc)
    by_sent: dict[str, dict[int, list[Found]]] = {}
    for key in ("DESIGN", "TRIAL_SIZE", "DURATION", "DOSE", "TRIAL_CUE", "OUTCOME", "ARM", "HEDGE"):
        groups: dict[int, list[Found]] = defaultdict(list)
        for found in (doc._.found or {}).get(key, []):
            groups[found.sent].append(found)
        by_sent[key] = groups
    buckets = segment(text, sents, by_sent["TRIAL_CUE"])
    trials = []
    for bucket in buckets:
        trial = build_trial(text, sents, bucket, by_sent, study_type)
        if trial is not None:
            trials.append(trial)
    if not any(t.role == "main" for t in trials) and trials:
        # The article's own study is the first described when no sentence was left for a main one.
        first = min(trials, key=lambda t: t.evidence[0][0] if t.evidence else 0)
        if first.role == "mentioned":
            first.role = "main"
    return _decided(doc, ArticleClaims(study_type=study_type, trials=trials))


def _decided(doc: Doc, claims: ArticleClaims) -> ArticleClaims:
    """The trained decisions over assembled trials (``claims_decide``), when models are loaded."""
    claims.study_type_score = doc._.study_type_score
    if doc._.decider is not None:
        doc._.decider.finish(doc, claims)
    return claims


# --- segmentation -----------------------------------------------------------------------


def paragraph_ids(text: str, sents: list[tuple[int, int]]) -> list[int]:
    ids, para, last_end = [], 0, 0
    for start, end in sents:
        if "\n\n" in text[last_end:start] or (last_end and "\n" in text[last_end:start]):
            para += 1
        ids.append(para)
        last_end = end
    return ids


@lru_cache(maxsize=4096)
def trial_names(sent: str) -> tuple[str, ...]:
    """Trial names (acronyms like RAZOR, ZOE-70) a sentence gives, in order."""
    if not TRIAL_WORD.search(sent):
        return ()
    out = []
    for m in NAME.finditer(sent):
        name = m.group("paren") or m.group("called") or m.group("coded") or m.group(1)
        if name and NOT_CODED.match(name):
            continue
        if (name and name.upper() not in NOT_NAMES and not REGISTRY.match(name) and len(name) <= 20
                and not re.fullmatch(r"(?:I{1,3}|IV|V)[ab]?", name) and name not in out):
            out.append(name)
    return tuple(out)


def segment(text: str, sents: list[tuple[int, int]], cues: dict[int, list[Found]]) -> list[Bucket]:
    """Assign each sentence to the main trial, a mentioned (earlier/other) trial, or a planned one.
    When the article names two or more trials, the first named is the main trial and a
    sentence naming another opens (or returns to) that trial."""
    main = Bucket("main", "completed")
    buckets = [main]
    planned: Bucket | None = None
    current: Bucket | None = None  # a mentioned trial whose paragraph we are in
    paras = paragraph_ids(text, sents)
    names_at = {i: trial_names(text[s:e]) for i, (s, e) in enumerate(sents)}
    counts: dict[str, int] = {}
    for names in names_at.values():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    named: dict[str, Bucket] = {}
    if len(counts) >= 2:
        # news names its own trial first; later names are trials it compares with
        main.name = min(counts, key=lambda n: min(i for i, ns in names_at.items() if n in ns))
    carry = False  # a heading naming a trial ("About the ZOE-50 trial") governs the next paragraph
    for i, (start, end) in enumerate(sents):
        if current is not None and paras[i] != paras[i - 1]:
            if carry:
                carry = False
            else:
                current = None
        roles = {c.data["role"] for c in cues.get(i, [])}
        sent_text = text[start:end]
        others = [n for n in names_at[i] if main.name and n != main.name]
        heading = len(sent_text) < 80 and not sent_text.rstrip().endswith((".", "!", "?", '"', "”"))
        if others and main.name not in names_at[i] and "planned" not in roles:
            bucket = named.get(others[0])
            if bucket is None:
                bucket = named[others[0]] = Bucket("mentioned", "completed", cue=sent_text, name=others[0])
                buckets.append(bucket)
            bucket.sents.append(i)
            current, carry = bucket, heading
            continue
        if main.name and main.name in names_at[i]:
            main.sents.append(i)
            current, carry = (main, True) if heading else (None, False)
            continue
        if "generic" in roles and not roles & {"planned", "ongoing", "mentioned"}:
            continue
        if "planned" in roles and "main" not in roles:
            if planned is None:
                planned = Bucket("planned", "planned", cue=sent_text)
                buckets.append(planned)
            planned.sents.append(i)
            current = None
            continue
        if "mentioned" in roles and "main" not in roles:
            cue = next(c for c in cues[i] if c.data["role"] == "mentioned")
            current = Bucket("mentioned", "completed", cue=text[cue.start:cue.end])
            buckets.append(current)
            current.sents.append(i)
            continue
        if "ongoing" in roles and "main" not in roles:
            if not main.sents or i <= 3 or THIS_TRIAL.search(sent_text):
                main.status = "ongoing"
                main.sents.append(i)
            else:
                current = Bucket("mentioned", "ongoing", cue=sent_text)
                buckets.append(current)
                current.sents.append(i)
            continue
        if "main" in roles:
            current = None
        (current or main).sents.append(i)
    return buckets


# --- trial building ---------------------------------------------------------------------


def build_trial(text: str, sents: list[tuple[int, int]], bucket: Bucket,
                by_sent: dict[str, dict[int, list[Found]]], study_type: str = "rct") -> Trial | None:
    trial = Trial(role=bucket.role, status=bucket.status)
    evidence: set[int] = set()
    sent_text = {i: text[sents[i][0]:sents[i][1]] for i in bucket.sents}

    def items(key: str) -> list[tuple[int, Found]]:
        return [(i, f) for i in bucket.sents for f in by_sent[key].get(i, [])]

    _size_and_duration(text, sents, bucket, items, trial, evidence)
    # design tags
    tags: list[str] = []
    for i, f in items("DESIGN"):
        if GENERIC_TRIAL.search(sent_text[i]) and bucket.role == "main":
            continue
        score = f.data.get("score")  # set by a trained model (claims_decide), else the rules keep every cue
        if score is not None:
            if score < DESIGN_KEEP_MIN:
                continue
            trial.design_scores[f.data["tag"]] = max(score, trial.design_scores.get(f.data["tag"], 0.0))
        if f.data["tag"] not in tags:
            tags.append(f.data["tag"])
            evidence.add(i)
    trial.design = _order_tags(tags)
    # name, phase, registry, termination
    for i in bucket.sents:
        s = sent_text[i]
        low = s.lower()  # cheap substring gates before the regexes
        if trial.registry is None and "nct" in low and (m := REGISTRY.search(s)):
            trial.registry = m.group(0)
            evidence.add(i)
        if trial.phase is None and "phase" in low and (m := PHASE.search(s)):
            p = m.group("p").lower()
            trial.phase = ROMAN.get(p, p) + (m.group("ab") or "").lower()
            evidence.add(i)
        if trial.name is None and (names := trial_names(s)):
            trial.name = bucket.name or names[0]
            evidence.add(i)
        if ("stop" in low or "termin" in low or "halt" in low) and TERMINATED.search(s) and bucket.role != "planned":
            trial.terminated = True
    # arms from doses, assignments and comparators
    starts = {i: sents[i][0] for i in bucket.sents}
    arms = build_arms(text, starts, sent_text, items, evidence)
    choose_arm_n(text, sents, bucket.sents, items("ARM") + items("TRIAL_SIZE"), arms, arm_mentions, trial)
    evidence.update(_sentence_of(sents, bucket.sents, a.n_start) for a in arms if a.n_start is not None)
    trial.arms = arms
    # outcomes
    if bucket.role != "planned":
        outcome_items = candidate_items("outcome", items)
        before = set(evidence)
        trial.outcomes = build_outcomes(starts, sent_text, outcome_items, arms, evidence, trial.size_span)
        numeric = {i for i, _ in outcome_items("OUTCOME")}
        trial.outcomes += qualitative_outcomes(starts, sent_text, numeric, evidence)
        trial.outcomes.sort(key=lambda o: o.start)
        hedges: dict[int, list[str]] = defaultdict(list)
        for i, f in items("HEDGE"):
            if f.data["cue"] not in hedges[i]:
                hedges[i].append(f.data["cue"])
        spans = sorted((starts[k], starts[k] + len(sent_text[k]), k) for k in bucket.sents)  # disjoint sentences
        for outcome in trial.outcomes:
            j = bisect.bisect_right(spans, (outcome.start, float("inf"), 0)) - 1
            i = spans[j][2] if j >= 0 and spans[j][0] <= outcome.start < spans[j][1] else None
            outcome.hedges = hedges.get(i, [])
        proposed = list(trial.outcomes)
        trial.outcomes = keep_outcomes(text, sents, bucket.sents, trial.outcomes, trial)
        _forget_dropped(sents, bucket.sents, proposed, trial.outcomes, evidence, before)
        attribute_outcomes(text, sents, bucket.sents, trial.outcomes, arms, arm_mentions, trial, pooled_cue=ALL_GROUPS)
    concrete = (trial.size or any(a.doses or a.n for a in arms) or any(o.value is not None for o in trial.outcomes)
                or trial.name or trial.phase or trial.registry or (trial.duration and bucket.status != "ongoing")
                or (trial.terminated and bucket.role == "mentioned"))
    if study_type == "trial" and bucket.role == "main" and not (trial.size or arms or trial.phase or trial.registry
                                                                or trial.name or trial.duration or trial.design):
        concrete = False  # results alone, with no trial described, are not evidence of a trial
    if bucket.role == "planned":
        concrete = bool(trial.size or any(a.doses for a in arms) or trial.phase or trial.design)
        if concrete:
            evidence.update(bucket.sents[:1])
    if not concrete:
        return None
    if bucket.role == "mentioned" and bucket.cue and not evidence:
        evidence.update(bucket.sents[:1])
    trial.evidence = [sents[i] for i in sorted(evidence)]
    trial.flags = consistency_flags(trial)
    return trial


def _forget_dropped(sents: list[tuple[int, int]], sent_ids: list[int], proposed: list[Outcome], kept: list[Outcome],
                    evidence: set[int], before: set[int]) -> None:
    """A sentence that became evidence only for values a model then dropped is no evidence of the trial."""
    kept_ids = {id(o) for o in kept}
    keep = {_sentence_of(sents, sent_ids, o.start) for o in kept}
    for o in proposed:
        if id(o) not in kept_ids:
            i = _sentence_of(sents, sent_ids, o.start)
            if i not in keep and i not in before:
                evidence.discard(i)


def _size_and_duration(text: str, sents: list[tuple[int, int]], bucket: Bucket, items, trial: Trial,
                       evidence: set[int]) -> None:
    """The rules propose a size and a duration; a trained model, when one is shipped, decides among all candidates."""
    # size: strongest candidate, then first; a trained model decides among all head counts when one is shipped
    sizes = [(i, f) for i, f in items("TRIAL_SIZE") if _size_ok(f, text[sents[i][0]:sents[i][1]])]
    arm_n_sents = _arm_size_sentences(text, items)
    best = None
    if sizes:
        # strongest; then a number stated exactly over "more than 900"; then the first
        _, best = max(sizes, key=lambda p: (p[1].data["strength"] - (p[0] in arm_n_sents and p[1].data["strength"] < 3),
                                            p[1].data["qualifier"] is None, -p[1].start))
    size = choose_size(text, sents, bucket.sents, items("TRIAL_SIZE"), best, trial)
    if size is not None:
        _set_size(text, trial, size)
        evidence.add(_sentence_of(sents, bucket.sents, size.start))
    # duration: first stated
    durations = items("DURATION")
    first = None
    if durations:
        # rule order is priority ("a 16-week trial" over "for 12 weeks"), then position
        priority = {rule.id: k for k, rule in enumerate(load_rules("duration"))}
        _, first = min(durations, key=lambda p: (priority.get(p[1].rule_id, 99), p[1].start))
    duration = choose_duration(text, sents, bucket.sents, durations, first, trial)
    if duration is not None:
        trial.duration = duration.value
        trial.duration_span = (duration.start, duration.end)
        trial.duration_rule_id, trial.duration_score = duration.rule_id, duration.score
        evidence.add(_sentence_of(sents, bucket.sents, duration.start))


def _sentence_of(sents: list[tuple[int, int]], sent_ids: list[int], pos: int) -> int:
    return next(i for i in sent_ids if sents[i][0] <= pos < sents[i][1])


def _set_size(text: str, trial: Trial, size: Choice) -> None:
    """Store the chosen size; a rule component's match also gives the qualifier, a target and the population."""
    trial.size = size.value
    trial.size_span = (size.start, size.end)
    trial.size_rule_id, trial.size_score = size.rule_id, size.score
    found = size.found if size.found is not None and size.found.data.get("n_start") == size.start else None
    if found is None:
        found = Found("TRIAL_SIZE", size.start, size.end, size.rule_id, {"n_end": size.end})
    else:
        trial.size_qualifier = found.data["qualifier"]
        trial.size_span = (found.data["n_start"], found.data["n_end"])
        if found.data["target"] and trial.status == "completed":
            trial.status = "ongoing"  # "aims to enroll 300 patients"
    trial.population, trial.condition = population_and_condition(text, found)


def _arm_size_sentences(text: str, items) -> set[int]:
    """Sentences that give two or more arm sizes: their head counts are arms, not the trial."""
    counts: dict[int, int] = defaultdict(int)
    for i, f in items("ARM"):
        if f.data["kind"] == "arm_n":
            counts[i] += 1
    for i, f in items("TRIAL_SIZE"):
        if re.match(r"\s*(?:each )?(?:got|received|were given|took|were assigned)\b", text[f.end:f.end + 30]):
            counts[i] += 1
    return {i for i, n in counts.items() if n >= 2}


PEOPLE_WORD = re.compile(r"\b(?:patients|participants|people|persons|adults|children|kids|women|men|volunteers|subjects|"
                         r"individuals|smokers|veterans|infants|babies|mothers|adolescents|teens|teenagers|seniors|"
                         r"survivors|girls|boys|athletes|families|users|drinkers)\b", re.I)
CONDITION_AFTER = re.compile(r"^\s+(?:who (?:had|have|were diagnosed with|suffered from|suffer from)|with|suffering from|"
                             r"diagnosed with)\s+(?P<cond>[^,.;()]{3,70}?)(?=\s+(?:who|were|was|and then|at|in|from|"
                             r"received|took|had|across|to (?:receive|take|get|one|either|a|an|the))\b|[,.;()]|$)", re.I)


def population_and_condition(text: str, size: Found) -> tuple[str | None, str | None]:
    """'151 alcohol-dependent patients' -> population; '... patients with severe asthma' -> condition."""
    window = text[size.data["n_end"]:size.end + 80]
    people = PEOPLE_WORD.search(window)
    if not people or people.start() > 60:
        return None, None
    population = window[:people.end()].strip(" ,") or None
    after = text[size.data["n_end"] + people.end():size.data["n_end"] + people.end() + 120]
    cond = CONDITION_AFTER.match(after)
    condition = cond.group("cond").strip() if cond else None
    if condition and population:
        population = f"{population} with {condition}"
    return population, condition


def _size_ok(found: Found, sent: str) -> bool:
    if found.data["n"] >= 100_000 and not PARTICIPATION_WORDS.search(sent):
        return False  # "a study of over 710,000 children" is a registry, not a trial
    if found.data["strength"] >= 2:
        return True
    if found.data["n"] >= 100_000:
        return False  # a population, not the people a trial enrolled
    return bool(TRIAL_WORD.search(sent)) and not BASELINE.search(sent)


TAG_ORDER = ["randomized", "placebo-controlled", "sham-controlled", "controlled", "double-blind", "single-blind",
             "observer-blind", "blinded", "open-label", "double-dummy", "crossover", "multicenter",
             "non-inferiority", "pilot", "pragmatic"]


def _order_tags(tags: list[str]) -> list[str]:
    tags = list(dict.fromkeys(tags))
    if any(t in tags for t in ("double-blind", "single-blind", "observer-blind")) and "blinded" in tags:
        tags.remove("blinded")
    return sorted(tags, key=TAG_ORDER.index)


# --- arms -------------------------------------------------------------------------------


def drug_near(text: str, dose: Found, sent_start: int, sent_end: int) -> str | None:
    """The substance a dose belongs to: the phrase before an enclosing parenthesis, then
    'of X' after, then the word just before, then the word just after."""
    before = text[sent_start:dose.start]
    after = text[dose.end:sent_end]
    depth, open_at = 0, -1
    for k in range(len(before) - 1, -1, -1):
        ch = before[k]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                open_at = k
                break
            depth -= 1
    if open_at >= 0:
        word = _last_word(before[:open_at])
        if word:
            return word
    m = re.match(r"\s*(?:of|per day of|a day of|daily of)\s+(?:the\s+)?(?:drug\s+|supplement\s+)?([Vv]itamin [A-Z]\d?|"
                 r"[A-Z][\w-]*|[a-z][\w-]*(?:\s+(?!(?:a|an|the|or|and|per|daily|each|every|for|in|to|with|twice|once|"
                 r"plus|at|on|was|were|had|has|have|is|are|did|does|showed|led|reduced|increased|improved)\b)"
                 r"[a-z][\w-]*(?<!ed)){0,2})", after)
    if m and m.group(1).lower() not in DRUG_STOP:
        return m.group(1)
    word = _last_word(before)
    if word:
        return word
    m = re.match(r"\s*([Vv]itamin [A-Z]\d?|[A-Za-z][\w-]*)", after)
    if m and m.group(1).lower() not in DRUG_STOP and not re.search(r"(?:ed|ing)$", m.group(1)):
        return m.group(1)
    return None


def _last_word(before: str) -> str | None:
    tail = before[-40:]
    m = re.search(r"([Vv]itamin [A-Z]\d?|[A-Za-z][\w-]*(?:[-/][\w-]+)?)[\s,:]*$", tail)
    if not m:
        return None
    word = m.group(1)
    if "/" in word and word.split("/", 1)[0].lower() in ("mg", "g", "mcg", "ml", "iu", "kg"):
        word = word.split("/", 1)[1]
    if word.lower() in DRUG_STOP or word.lower().endswith("dose"):
        return None
    return word


def build_arms(text: str, starts: dict[int, int], sent_text: dict[int, str], items,
               evidence: set[int]) -> list[Arm]:
    arms: list[Arm] = []
    dose_arm: dict[int, Arm] = {}  # dose start -> arm
    doses = items("DOSE")
    k = 0
    while k < len(doses):
        i, f = doses[k]
        group = [(i, f)]
        # combination: "400 mg ibuprofen and 1,000 mg acetaminophen", "ledipasvir 45 mg/sofosbuvir 200 mg"
        while k + 1 < len(doses) and doses[k + 1][0] == i:
            nxt = doses[k + 1][1]
            between = text[group[-1][1].end:nxt.start]
            if re.fullmatch(r"\s*(?:[A-Za-z][\w-]*\s*)?(?:and|plus|with|\+|/)\s*(?:[A-Za-z][\w-]*\s*)?", between):
                group.append(doses[k + 1])
                k += 1
            else:
                break
        k += 1
        sent_start = starts[i]
        sent_end = sent_start + len(sent_text[i])
        dose_objs = []
        drugs = []
        for _, g in group:
            drug = g.data.get("drug") or drug_near(text, g, sent_start, sent_end)
            d = g.data
            dose_objs.append(Dose(value=d["value"], unit=d["unit"], text=text[g.start:g.end], start=g.start,
                                  end=g.end, upper=d["upper"], per=d["per"], frequency=d["frequency"],
                                  drug=drug if len(group) > 1 else None, rule_id=g.rule_id))
            drugs.append(drug)
        if len({(x or "").lower() for x in drugs}) < len(drugs) and len(group) > 1:
            # same drug twice: separate arms ("10, 20 or 40 mg"), not a combination
            for (gi, g), dose_obj, drug in zip(group, dose_objs, drugs, strict=True):
                dose_obj.drug = None
                _add_dose_arm(arms, dose_arm, [dose_obj], [drug], g.start, g.end, evidence, gi)
            continue
        _add_dose_arm(arms, dose_arm, dose_objs, drugs, group[0][1].start, group[-1][1].end, evidence, i)
    named = {a.intervention for a in arms if a.doses and a.intervention}
    for arm in [a for a in arms if a.doses and not a.intervention]:
        twin = next((a for a in arms if a is not arm and a.intervention and
                     [(d.value, d.unit) for d in a.doses] == [(d.value, d.unit) for d in arm.doses]), None)
        if twin is not None:
            arms.remove(arm)
            for d in arm.doses:
                dose_arm[d.start] = twin
        elif len(named) == 1:
            arm.intervention = next(iter(named))
            arm.label = f"{arm.intervention} {arm.label}"
    # "randomly assigned to X or Y", "either X or Y"
    for i, f in items("ARM"):
        if f.data["kind"] == "arm_pair":
            if not all(plausible_arm_name(t) for t in f.data["arms"]):
                continue  # "took one or two", "died or worse": not a choice between treatments
            for arm_text, (a_start, a_end) in zip(f.data["arms"], f.data["arm_spans"], strict=True):
                if any(_same_arm(arm_text, a) for a in arms) or any(
                        a.start is not None and a_start <= a.start < a_end for a in arms):
                    continue
                cmp = COMPARATOR_WORDS.search(arm_text)
                label = cmp.group(1).lower() if cmp and len(arm_text.split()) <= 3 else arm_text
                arms.append(Arm(label=label, intervention=label, start=a_start, end=a_end, rule_id=f.rule_id))
                evidence.add(i)
        elif f.data["kind"] == "comparator":
            name = f.data["intervention"]
            if not re.search(r"placebo|sham|dummy|sugar", name) and not ARM_CONTEXT.search(sent_text[i]):
                continue
            if re.search(r"(?:sham|placebo)[\s-]+$", text[max(0, f.start - 10):f.start], re.I):
                continue  # "the sham control group" names the sham arm
            base = "placebo" if "placebo" in name or "dummy" in name or "sugar" in name else (
                "sham" if re.search(r"sham|simulated|fake|mock|inactive", name) else name.replace(" group", ""))
            if not any(base in a.label.lower() for a in arms):
                arms.append(Arm(label=base, intervention=base, start=f.start, end=f.end, rule_id=f.rule_id))
                evidence.add(i)
    # with a placebo or sham arm, "the control group" is that arm
    masked = next((a for a in arms if a.label in ("placebo", "sham")), None)
    if masked is not None:
        arms[:] = [a for a in arms if a.label not in ("control", "control arm")]
    # arms named as groups: "the robotic surgery group", "those taking Xeljanz"
    for i, f in items("ARM"):
        if f.data["kind"] != "group":
            continue
        if not GROUP_CONTEXT.search(sent_text[i]):
            continue  # "the Amsterdam group does not want to stop there": a team, not an arm
        name = f.data["arm"]
        words = {w.lower() for w in re.findall(r"[A-Za-z][\w-]+", name)}
        if (not words - DRUG_STOP or words & NOT_ARM_WORDS or words <= VAGUE_ARM_WORDS
                or COMPARATOR_WORDS.search(name)
                or any(_same_arm(name, a) for a in arms) or re.fullmatch(r"[a-z]+ed", name)):
            continue
        arms.append(Arm(label=name, intervention=name, start=f.start, end=f.end, rule_id=f.rule_id))
    # no active arm yet: the intervention the trial's sentences name most ("Aimovig", "dupilumab")
    if not [a for a in arms if not COMPARATOR_WORDS.search(a.label)]:
        named_counts: dict[str, int] = {}
        for _i, f in items("ARM"):
            if f.data["kind"] == "intervention" and f.data["arm"].lower() not in DRUG_STOP:
                key = f.data["arm"]
                named_counts[key] = named_counts.get(key, 0) + (2 if f.rule_id == "arms.named_intervention" else 1)
        if named_counts and max(named_counts.values()) >= 2:
            name = max(named_counts, key=lambda k: named_counts[k])
            first = next(f for _i, f in items("ARM") if f.data["kind"] == "intervention" and f.data["arm"] == name)
            arms.insert(0, Arm(label=name, intervention=name, start=first.start, end=first.end, rule_id=first.rule_id))
    # arm sizes
    for i, f in items("ARM"):
        if f.data["kind"] != "arm_n":
            continue
        arm = _arm_for_size(f, arms, dose_arm, starts[i] + len(sent_text[i]))
        if arm is None and _new_arm_ok(f, arms, sent_text[i]):
            arm = Arm(label=f.data["arm"], intervention=f.data["arm"], start=f.data["arm_start"],
                      end=f.data["arm_end"], rule_id=f.rule_id)
            arms.append(arm)
        if arm is not None and arm.n is None:
            arm.n = f.data["n"]
            arm.n_start, arm.n_end, arm.n_rule_id = f.data["n_start"], f.data["n_end"], f.rule_id
            evidence.add(i)
    return arms


MAX_DOSE_ARMS = 40  # the most arms the dev and corpus texts give one trial is 18


def _add_dose_arm(arms: list[Arm], dose_arm: dict[int, Arm], doses: list[Dose], drugs: list[str | None],
                  start: int, end: int, evidence: set[int], sent: int) -> None:
    names = [d for d in drugs if d]
    intervention = " and ".join(dict.fromkeys(n.lower() if not n.isupper() else n for n in names)) or None
    key = (intervention, tuple((d.value, d.unit) for d in doses))
    for arm in arms:
        if (arm.intervention, tuple((d.value, d.unit) for d in arm.doses)) == key:
            # the same dose restated: keep one arm, filling what the first mention left out
            for old, new in zip(arm.doses, doses, strict=True):
                old.per = old.per or new.per
                old.upper = old.upper if old.upper is not None else new.upper
                old.frequency = old.frequency or new.frequency
                dose_arm[new.start] = arm
            return
    if len(arms) >= MAX_DOSE_ARMS:
        return  # a page naming hundreds of doses is a table or a list, not arms: bound the work
    unit = doses[0].unit or ""
    amount = f"{_fmt(doses[0].value)}{' ' + unit if unit else ''}"
    label = f"{intervention} {amount}" if intervention else amount
    arm = Arm(label=label, intervention=intervention, doses=doses, start=start, end=end,
              rule_id=doses[0].rule_id)
    arms.append(arm)
    for d in doses:
        dose_arm[d.start] = arm
    evidence.add(sent)


def _fmt(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _same_arm(arm_text: str, arm: Arm) -> bool:
    """Two names of one arm: the words of one contain the other's ("CBD-treated" and "CBD 20 mg/kg"),
    but a shared generic word alone ("open surgery", "robotic surgery") does not make them one."""
    words = _arm_words(arm_text)
    label_words = _arm_words(f"{arm.label} {arm.intervention or ''}")
    return bool(words) and bool(label_words) and (words <= label_words or label_words <= words)


def _arm_words(text: str) -> set[str]:
    text = re.sub(r"-(?:treated|only|based|alone|group)\b", "", text.lower())
    return {w for w in re.findall(r"[a-z][\w-]+", text) if w not in DRUG_STOP and not re.fullmatch(r"mg|mcg|iu|g", w)}


NOT_ARM_START = re.compile(r"^(?:not|no|without|any|one|two|three|four|more|less|fewer|better|worse|approved|even|"
                           r"that|this|these|those|such|its|their|his|her|"
                           r"only|also|just|other|another|several|many|some|each|every)\b", re.I)
TIME_WORD = re.compile(r"\b(?:days?|weeks?|months?|years?|decades?|hours?|minutes?|times?)\b", re.I)


def plausible_arm_name(text: str) -> bool:
    """Words that can name a treatment arm: not a number, a time, a negation or a verb alone."""
    text = text.strip()
    words = text.split()
    if not text or NOT_ARM_START.match(text) or any(re.fullmatch(r"[\d.,]+", w) for w in words):
        return False
    if len(words) <= 2 and TIME_WORD.search(text):
        return False
    return not (len(words) == 1 and re.search(r"(?:ed|ing)$", words[0])) and len(words) <= 6


def _new_arm_ok(f: Found, arms: list[Arm], sent: str) -> bool:
    """A sized group that names no known arm becomes one only if it reads like an arm: a few
    words, not a restatement of another arm, and, for "X (n=12)", a sentence about assignment."""
    name = f.data["arm"]
    words = {w.lower() for w in re.findall(r"[A-Za-z][\w-]+", name)}
    max_words = f.data.get("max_words", 4)
    if max_words > 4:  # a table line: a new arm unless one has exactly these words
        restated = any(_arm_words(f"{a.label} {a.intervention or ''}") == _arm_words(name) for a in arms)
    else:
        restated = any(_same_arm(name, a) for a in arms)
    return (1 <= len(name.split()) <= max_words and bool(words - DRUG_STOP) and not restated
            and (max_words > 4 or plausible_arm_name(name))
            and (f.rule_id != "arms.paren_n" or bool(ASSIGNMENT.search(sent))))


def _arm_for_size(f: Found, arms: list[Arm], dose_arm: dict[int, Arm], sent_end: int) -> Arm | None:
    arm_text = f.data["arm"].lower()
    comparator = re.search(r"\b(placebo|sham)", arm_text) or COMPARATOR_WORDS.search(arm_text)
    if comparator:
        word = comparator.group(1).lower()
        if word in ("simulated", "fake", "mock", "inactive"):
            word = "sham"
        if word == "control" and not any("control" in a.label.lower() for a in arms):
            word = next((a.label for a in arms if a.label in ("placebo", "sham")), word)
        for arm in arms:
            if word in arm.label.lower():
                return arm
    # a dose the arm text ends on ("0.3 mg/kg (103 patients)"), else one inside or right after it
    ending = [arm for start, arm in dose_arm.items() for d in arm.doses
              if d.start == start and d.start < f.data.get("arm_end", f.end) <= d.end + 2]
    if ending:
        return ending[0]
    near = [(start, arm) for start, arm in dose_arm.items() if f.start <= start <= min(f.end + 90, sent_end)]
    if near:
        return min(near, key=lambda p: p[0])[1]
    if f.data.get("max_words", 4) > 4:
        # a table line names the whole regimen: only an arm with the same words is the same arm
        words = _arm_words(arm_text)
        return next((a for a in arms if _arm_words(f"{a.label} {a.intervention or ''}") == words and a.n is None), None)
    active = [a for a in arms if not COMPARATOR_WORDS.search(a.label)]
    if THE_TREATMENT.fullmatch(arm_text) or arm_text in ("it", "them"):
        # "the 34 people who received it": the trial's one active arm
        return active[0] if len(active) == 1 and active[0].n is None else None
    candidates = [a for a in arms if _same_arm(arm_text, a) and a.n is None]
    if len(candidates) == 1:
        return candidates[0]
    return None


# --- outcomes ---------------------------------------------------------------------------


def arm_mentions(sent: str, offset: int, arms: list[Arm], names: ArmNames | None = None) -> list[tuple[int, Arm]]:
    """Positions (absolute) where an arm is named in a sentence: by its label, its intervention,
    or a word that names no other arm ("surgery" names both robotic and open surgery arms).

    ``names`` (built once per trial) keeps this linear: only names whose first word starts a word of
    the sentence are searched for, so a page with hundreds of arms costs no more per sentence."""
    names = names or ArmNames(arms)
    out = []
    for arm, _name, pattern in names.candidates(sent):
        for m in pattern.finditer(sent):
            out.append((offset + m.start(), arm))
    if names.active is not None:
        # "the intervention group", "the treatment arm": the one active arm of a controlled trial
        for m in ACTIVE_GROUP.finditer(sent):
            out.append((offset + m.start(), names.active))
    out.sort(key=lambda p: p[0])
    return out


class ArmNames:
    """The names of a trial's arms, worked out once (not per sentence) and indexed by their first word."""

    PREFIX = 24  # longest first-word prefix indexed; a longer first word is looked up by its first 24 letters

    def __init__(self, arms: list[Arm]) -> None:
        words_of = [_name_words(arm) for arm in arms]
        shared = Counter(w for words in words_of for w in words)  # a word in two arms' names names neither
        self.entries: list[tuple[Arm, str, re.Pattern]] = []
        for arm, words in zip(arms, words_of, strict=True):
            distinctive = {w for w in words if shared[w] == 1} if len(arms) > 1 else set(words)
            names = {arm.label.lower()} | ({arm.intervention.lower()} if arm.intervention else set())
            names |= distinctive
            if arm.label in ("placebo", "sham") and not any("control" in a.label for a in arms):
                names.add("control")  # "the control group" of a placebo-controlled trial
            if arm.label == "sham":
                names |= {"simulated", "fake", "mock", "inactive"}  # "a simulated acupuncture treatment"
            for name in names:
                if not name or len(name) < 3:
                    continue
                # a distinctive word of six letters or more also names the arm as a stem ("gradual" in "gradualists")
                stem = name in distinctive and len(name) >= 6 and not COMPARATOR_WORDS.fullmatch(name)
                tail = r"[a-z]*\b" if stem else r"(?:s|es)?\b"
                self.entries.append((arm, name, re.compile(r"\b" + re.escape(name) + tail, re.I)))
        self.by_head: dict[str, list[int]] = defaultdict(list)
        self.always: list[int] = []
        for k, (_, name, _) in enumerate(self.entries):
            head = re.match(r"[a-z0-9_]+", name)
            if head and head.group().isascii():
                self.by_head[head.group()[:self.PREFIX]].append(k)
            else:
                self.always.append(k)  # a name that does not start with an ASCII word: always searched
        active = [a for a in arms if not COMPARATOR_WORDS.search(a.label)]
        self.active = active[0] if len(active) == 1 and len(active) < len(arms) else None

    def candidates(self, sent: str) -> list[tuple[Arm, str, re.Pattern]]:
        """The names that may occur in ``sent``, in the order the arms and names were listed."""
        if not self.entries:
            return []
        picked = set(self.always)
        for token in re.findall(r"\w+", sent.lower()):
            for n in range(1, min(len(token), self.PREFIX) + 1):
                hits = self.by_head.get(token[:n])
                if hits:
                    picked.update(hits)
        return [self.entries[k] for k in sorted(picked)]


def _name_words(arm: Arm) -> set[str]:
    text = f"{arm.label} {arm.intervention or ''}".lower()
    words = set(re.findall(r"[a-z][\w-]{2,}", text))
    words |= {part for w in words if "-" in w for part in w.split("-") if len(part) >= 3}  # "gradual-quit"
    return {w for w in words if w not in DRUG_STOP}


def clause_bounds(sent: str, pos: int) -> tuple[int, int]:
    """[start, end) of the clause around relative position ``pos``."""
    start, end = 0, len(sent)
    for m in CLAUSE_BREAK.finditer(sent):
        if m.end() <= pos:
            start = m.end()
        elif m.start() > pos:
            end = m.start()
            break
    while start < end and sent[start] in " ,;:(":
        start += 1
    while end > start and sent[end - 1] in " ,;:.)":
        end -= 1
    return start, end


def build_outcomes(starts: dict[int, int], sent_text: dict[int, str], items, arms: list[Arm],
                   evidence: set[int], size_span: tuple[int, int] | None = None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    dose_spans = [(d.start, d.end) for a in arms for d in a.doses]
    comparators = [a for a in arms if COMPARATOR_WORDS.search(a.label)]
    active = [a for a in arms if a not in comparators]
    dose_found: dict[int, list[Found]] = defaultdict(list)
    for i, f in items("DOSE"):
        dose_found[i].append(f)

    names = ArmNames(arms)  # once per trial, not per sentence: linear in the number of arms
    arms_by_dose: dict[tuple, list[Arm]] = defaultdict(list)
    for arm in arms:
        for key in dict.fromkeys((d.value, d.unit) for d in arm.doses):
            arms_by_dose[key].append(arm)

    def sentence_mentions(k: int) -> list[tuple[int, Arm]]:
        found = arm_mentions(sent_text[k], starts[k], arms, names)
        # an arm is also named by its dose: "At 600 IUs, stiffness increased"
        for dose in dose_found.get(k, []):
            for arm in arms_by_dose.get((dose.data["value"], dose.data["unit"]), []):
                found.append((dose.start, arm))
        return sorted(found, key=lambda p: p[0])
    by_sentence: dict[int, list[Found]] = defaultdict(list)
    for i, f in items("OUTCOME"):
        by_sentence[i].append(f)
    # numbers already read as the trial's size or an arm's size are not results
    size_spans = [span for span in [size_span, *((a.n_start, a.n_end) for a in arms)] if span and None not in span]
    size_spans += [(f.data["n_start"], f.data["n_end"]) for _, f in items("TRIAL_SIZE") if f.data["strength"] >= 2]
    for i, values in by_sentence.items():
        sent = sent_text[i]
        offset = starts[i]
        if (not RESULT_CUE.search(sent) or len(sent.split()) < 4 or BACKGROUND.search(sent)
                or len(DEMOGRAPHIC.findall(sent)) >= 2):
            continue
        values = [v for v in values
                  if not any(s <= v.start < e for s, e in dose_spans)
                  and not any(s <= v.data["value_start"] < e for s, e in size_spans)]
        if not values:
            continue
        mentions = sentence_mentions(i)
        respectively = bool(RESPECTIVELY.search(sent))
        paired: dict[int, Arm] = {}
        if respectively or re.search(r"\bvs\.?\s|\bversus\b", sent):
            distinct = []
            for pos, arm in mentions:
                if (respectively or pos < values[0].start) and arm not in distinct:
                    distinct.append(arm)
            if len(distinct) == len(values) and len(values) > 1:
                paired = {id(v): a for v, a in zip(values, distinct, strict=True)}
            elif respectively:
                paired = _respectively_run(sent, offset, values, mentions)
        no_diff = bool(NO_DIFF.search(sent))
        harm = bool(HARM.search(sent))
        first_arm_value: Found | None = None
        first_arm: Arm | None = None
        listed_arm: dict[str, Arm] = {}
        listed_first: Found | None = None
        listed_direction: str | None = None
        values = [v for v in values if not _threshold_value(sent, offset, v, values)]
        opening = OPENS_AT_BASELINE.match(sent)
        for v in values:
            rel = v.start - offset
            c_start, c_end = clause_bounds(sent, rel)
            c_start = min(c_start, rel)
            c_end = max(c_end, v.end - offset)
            clause = sent[c_start:c_end]
            if ((opening and not LATER.search(sent[opening.end():rel]))
                    or BASELINE.search(clause) or FOLLOW_UP.search(sent[max(0, rel - 25):v.end - offset + 20])):
                continue
            arm = paired.get(id(v))
            all_named = inherited = False
            in_clause = [(p, a) for p, a in mentions if offset + c_start <= p < offset + c_end]
            between = bool(GAP_BETWEEN.search(clause))  # "the 17-point gap between the treatment and placebo groups"
            if arm is None and not between:
                named_before = {id(a) for p, a in mentions if v.start - 90 <= p < v.start}
                if len(named_before) >= 3 and len(named_before) == len(arms):
                    in_clause = []  # "Eylea, Avastin, and Lucentis participants required nine injections": everyone
                    all_named = True
                if in_clause:
                    after = [(p, a) for p, a in in_clause if p >= v.start]
                    before = [(p, a) for p, a in in_clause if p < v.start]
                    # "diet plus walking (about 16 pounds)": a value in brackets belongs to what precedes them
                    bracketed = re.search(r"\([^()]*$", sent[:rel]) is not None
                    if bracketed and before:
                        arm = before[-1][1]
                    else:
                        arm = (after[0] if after else in_clause[-1])[1]
            if arm is None and (intro := INTRO_GROUP.match(sent)) and rel >= intro.end():
                # "In the placebo group, there was a 13 percent reduction"
                named = [a for p, a in mentions if p < offset + intro.end()]
                arm = named[-1] if named else None
            if arm is None and not in_clause and not between and v.rule_id in listed_arm:
                # "apixaban prevented six patients from ..., 15 patients from ... and eight patients from ...":
                # items of one list share the arm of the first
                arm, inherited = listed_arm[v.rule_id], True
            if arm is None and not in_clause and not between and CONTINUATION.match(sent) and (i - 1) in sent_text:
                # "The dose ... reduced stiffness the most: 10.4 percent": the one arm the previous sentence named
                previous = {id(a): a for _, a in sentence_mentions(i - 1)}
                arm = next(iter(previous.values())) if len(previous) == 1 else None
            if arm is None and not in_clause and not between and not all_named:
                arm = _subject_arm(sent, offset, v, mentions, comparators)
            if arm is None and len(active) == 1 and (VERSUS_COMPARATOR.search(clause) or VERSUS_COMPARATOR.search(sent)
                                                     or THE_TREATMENT.search(clause)):
                arm = active[0]  # "had 90% efficacy compared to placebo": the one active arm
            elif (arm is None and not between and len(active) == 1 and comparators and not ALL_GROUPS.search(sent)
                  and not any(a in comparators for _, a in in_clause) and not OTHER_NAMED.search(sent[:rel])
                  and not WHOLE_POPULATION.search(clause)):
                arm = active[0]  # a controlled trial's result that names no group is the intervention's
            if arm is not None and v.rule_id.startswith("outcome.count_people") and v.rule_id not in listed_arm:
                listed_arm[v.rule_id] = arm
                listed_first = v
            if between:
                label = "between groups"
            elif arm is not None:
                label = arm.label
            elif all_named or ALL_GROUPS.search(sent):
                label = "all groups"
            elif BETWEEN.search(clause) or v.data.get("unit") == "percentage points":
                label = "between groups"
            else:
                label = "all"
            # "chemotherapy alone" is the comparison arm of an add-on trial
            is_comparator = arm is not None and (arm in comparators or bool(re.search(r"\balone\b", clause)))
            if arm is not None and not is_comparator:
                if first_arm_value is None:
                    first_arm_value, first_arm = v, arm
                elif (first_arm_value.data.get("unit") == v.data.get("unit") and arm is not first_arm
                      and COMPARISON.search(sent[first_arm_value.end - offset:rel])):
                    is_comparator = True
            if is_comparator:
                direction = "reference"
            elif no_diff:
                direction = "no difference"
            elif label in ("all", "all groups"):
                direction = None
            elif harm and not REDUCTION.search(clause) and not SUCCESS.search(clause):
                # a side-effect rate is a harm only when set against another group
                direction = "worsened" if RELATIVE.search(sent) else None
            else:
                direction = "improved"
            if inherited and listed_direction:
                direction = listed_direction  # the items of one list read the same way
            d = v.data
            comparator = None
            if arm is not None and not is_comparator and comparators:
                comparator = comparators[0].label
            tp = TIMEPOINT.search(clause) or TIMEPOINT.search(sent)
            outcomes.append(Outcome(
                timepoint=(tp.group("tp") or tp.group("tp2")) if tp else None,
                text=sent[c_start:c_end], start=offset + c_start, end=offset + c_end,
                measure=_measure(clause), arm=label, comparator=comparator, value=d["value"],
                unit=d.get("unit"), qualifier=d.get("qualifier"), baseline=d.get("baseline"),
                upper=d.get("upper"), count=d.get("count"), denominator=d.get("denominator"), p_value=d.get("p_value"),
                ci=d.get("ci"), direction=direction, rule_id=v.rule_id))
            if v is listed_first:
                listed_direction = direction
            evidence.add(i)
        if harm:
            _harm_directions([o for o in outcomes if offset <= o.start < offset + len(sent)])
    return outcomes


def _subject_arm(sent: str, offset: int, v: Found, mentions: list[tuple[int, Arm]],
                 comparators: list[Arm]) -> Arm | None:
    """The one arm a sentence names before a value, in an earlier clause, is its subject ("apixaban reduced this
    risk by 50 percent, preventing four patients ..."), unless it is a comparator, is itself named as the
    comparison ("compared to warfarin"), or another group's figure stands between ("... compared to 49% of ...")."""
    before = [(p, a) for p, a in mentions if p < v.start]  # mentions are in text order
    if len({id(a) for _, a in before}) != 1 or ALL_GROUPS.search(sent):
        return None
    last, subject = before[-1]
    rel_last, rel = last - offset, v.start - offset
    between = sent[rel_last:rel]
    if (subject in comparators or COMPARED_TO.search(sent[max(0, rel_last - 40):rel_last])
            or OTHER_GROUP.search(between) or OTHER_NAMED.search(between)
            or OTHER_GROUP_AFTER.match(sent[v.end - offset:])):
        return None
    return subject


def _harm_directions(sentence_outcomes: list[Outcome]) -> None:
    """For a harm (deaths, side effects), the arm with the lower rate than its reference fared better:
    "12% of women on tamoxifen died, compared with 15% of those who stopped" is an improvement."""
    references = [o for o in sentence_outcomes if o.direction == "reference" and o.value is not None]
    for o in sentence_outcomes:
        if o.direction != "worsened" or o.value is None:
            continue
        ref = next((r for r in references if r.unit == o.unit and r.arm != o.arm), None)
        if ref is not None and o.value < ref.value:
            o.direction = "improved"


MEASURE_DROP = re.compile(r"[\d.,%]+|\b(?:percent|per cent|about|nearly|only|of the|of|the|in|were|was|had)\b", re.I)


def qualitative_outcomes(starts: dict[int, int], sent_text: dict[int, str], numeric_sents: set[int],
                         evidence: set[int]) -> list[Outcome]:
    """The main result stated without a number: "no significant difference between the groups"."""
    out = []
    for i, sent in sent_text.items():
        if i in numeric_sents or BACKGROUND.search(sent) or GENERIC_TRIAL.search(sent):
            continue
        if len(sent.split()) < 10 and not sent.rstrip().endswith((".", "!", "?", '"', "”")):
            continue  # a heading ("No difference between the groups") announces a result, the text states it
        low = sent.lower()
        m = (("differ" in low or "similar" in low or "comparable" in low or "better" in low or "worse" in low)
             and QUAL_NO_DIFF.search(sent))
        if not m or re.search(r"\bbaseline\b|\bat the start\b|\bdemographic|\bcharacteristics\b", sent, re.I):
            continue
        start, end = clause_bounds(sent, m.start())
        start, end = min(start, m.start()), max(end, m.end())
        out.append(Outcome(text=sent[start:end], start=starts[i] + start, end=starts[i] + end,
                           measure=_measure(sent[start:end]), arm="between groups", direction="no difference",
                           rule_id="outcome.no_difference"))
        evidence.add(i)
    return out


def _respectively_run(sent: str, offset: int, values: list[Found], mentions: list[tuple[int, Arm]]) -> dict[int, Arm]:
    """'... 4.6 months and 4.4 months with nivolumab and everolimus, respectively': the values just
    before the arms named just before 'respectively' pair with them in order."""
    r = RESPECTIVELY.search(sent)
    cut = offset + r.start()
    before = [v for v in values if v.start < cut]
    if not before:
        return {}
    arms: list[Arm] = []
    for pos, arm in mentions:
        if before[-1].end <= pos < cut and arm not in arms:
            arms.append(arm)
    if len(arms) < 2 or len(before) < len(arms):
        return {}
    return {id(v): a for v, a in zip(before[-len(arms):], arms, strict=True)}


def _threshold_value(sent: str, offset: int, v: Found, values: list[Found]) -> bool:
    """In "64 percent of people had at least a 50 percent reduction", 50 is the responder threshold;
    in "reduced by 48%, just short of the 50% goal", 50 is the target."""
    if TARGET_AFTER.match(sent[v.end - offset:]):
        return True
    before = sent[max(0, v.start - offset - 40):v.start - offset]
    if not re.search(r"\b(?:(?:at least |more than |over )?an?|(?:lost|gained|losing|gaining|reduced by|reduction of|"
                     r"improved by|fell by|dropped by) (?:at least |more than |over )?) ?$", before):
        return False
    return any(o is not v and o.start < v.start and o.data.get("unit") == "%" and
               re.match(r"\s*(?:%|percent)?\s*of\b", sent[o.data["value_end"] - offset:o.end - offset + 5] or " of")
               for o in values if o.sent == v.sent)


def _measure(clause: str) -> str | None:
    words = MEASURE_DROP.sub(" ", clause)
    words = re.sub(r"\s+", " ", words).strip(" ,;:-")
    return words[:80] or None


# --- consistency ------------------------------------------------------------------------


DOSE_LIMITS = {"mg": 20000, "g": 100, "mcg": 1_000_000, "mg/kg": 200, "mg/m2": 5000, "IU": 2_000_000}


def consistency_flags(trial: Trial) -> list[tuple[str, str]]:
    flags: list[tuple[str, str]] = []
    ns = [a.n for a in trial.arms if a.n is not None]
    if trial.size and ns and sum(ns) > trial.size:
        flags.append(("arm_sizes_exceed_size", f"arm sizes add up to {sum(ns)} > trial size {trial.size}"))
    elif trial.size and ns and len(ns) == len(trial.arms) and sum(ns) != trial.size:
        flags.append(("arm_sizes_mismatch", f"arm sizes add up to {sum(ns)}, trial size is {trial.size}"))
    for o in trial.outcomes:
        if o.unit == "%" and o.value is not None and o.value > 100:
            flags.append(("percent_over_100", f"{o.value:g}% in «{o.text}»"))
        if o.count is not None and o.denominator is not None and o.count > o.denominator:
            flags.append(("count_over_denominator", f"{o.count} of {o.denominator} in «{o.text}»"))
        if o.arm in (None, "all") and o.value is not None:
            flags.append(("outcome_without_arm", f"no arm for «{o.text}»"))
    for a in trial.arms:
        for d in a.doses:
            limit = DOSE_LIMITS.get(d.unit or "")
            top = d.upper if d.upper is not None else d.value
            if limit and top is not None and top > limit:
                flags.append(("implausible_dose", f"{top:g} {d.unit} in «{d.text}»"))
    return flags
