"""Arms: from doses (with the substance each belongs to), assignments, comparators and named groups; arm sizes."""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

from models.records import Arm, Dose, Outcome, Trial
from pipeline.assemble.cues import (
    ARM_CONTEXT,
    ASSIGNMENT,
    COMPARATOR_WORDS,
    DOSE_JOIN,
    DRUG_STOP,
    GROUP_CONTEXT,
    NOT_A_COMPARATOR_ARM,
    NOT_AN_ARM_LABEL,
    NOT_ARM_START,
    NOT_ARM_WORDS,
    OF_SUBSTANCE,
    THE_TREATMENT,
    TIME_WORD,
    VAGUE_ARM_WORDS,
    is_comparator,
)
from pipeline.assemble.payloads import TrialScope
from pipeline.extensions import Found
from pipeline.learn.value_decide import choose_intervention

MAX_DOSE_ARMS = 40  # the most arms the dev and corpus texts give one trial is 18
COMPARATIVE_TAGS = {"randomized", "placebo-controlled", "controlled", "sham-controlled", "crossover"}
# A single-arm trial's size is its arm's n only up to here. Single-arm trials in the news are early, small studies
# (the gold's largest with its arm n filled has 116 participants); a trial of hundreds or thousands of which one arm
# is found is a comparative trial whose comparator the text leaves unnamed, so its size is not that arm's n.
SINGLE_ARM_MAX_N = 200


def build_arms(scope: TrialScope) -> list[Arm]:
    """The trial's arms, in the order they are found; the sentences that gave one become evidence."""
    arms: list[Arm] = []
    dose_arm: dict[int, Arm] = {}  # dose start -> arm
    _dose_arms(scope, arms, dose_arm)
    _merge_unnamed_dose_arms(arms, dose_arm)
    # "randomly assigned to X or Y", "either X or Y"
    for i, f in scope.items("ARM"):
        if f.data["kind"] == "arm_pair":
            _add_pair_arms(scope, i, f, arms)
        elif f.data["kind"] == "comparator":
            _add_comparator_arm(scope, i, f, arms)
    # with a placebo or sham arm, "the control group" is that arm
    masked = next((a for a in arms if a.label in ("placebo", "sham")), None)
    if masked is not None:
        arms[:] = [a for a in arms if a.label not in ("control", "control arm")]
    _group_arms(scope, arms)
    _most_named_intervention(scope, arms)
    _arm_sizes(scope, arms, dose_arm)
    arms[:] = [a for a in arms if names_an_arm(a.label)]
    return arms


# --- doses to arms ----------------------------------------------------------------------


def _dose_arms(scope: TrialScope, arms: list[Arm], dose_arm: dict[int, Arm]) -> None:
    """An arm per dose, or per combination of doses given together."""
    doses = scope.items("DOSE")
    k = 0
    while k < len(doses):
        i = doses[k][0]
        group, k = _dose_group(scope.text, doses, k)
        _add_dose_group(scope, i, group, arms, dose_arm)


def _dose_group(text: str, doses: list[tuple[int, Found]], k: int) -> tuple[list[tuple[int, Found]], int]:
    """The doses from ``k`` on that one sentence gives as a combination, and the index after them."""
    i, f = doses[k]
    group = [(i, f)]
    # combination: "400 mg ibuprofen and 1,000 mg acetaminophen", "ledipasvir 45 mg/sofosbuvir 200 mg",
    # "1,000 milligrams of calcium and 400 international units of vitamin D"
    while k + 1 < len(doses) and doses[k + 1][0] == i:
        nxt = doses[k + 1][1]
        between = text[group[-1][1].end:nxt.start]
        if DOSE_JOIN.fullmatch(between) and _substances_differ(text, between, nxt):
            group.append(doses[k + 1])
            k += 1
        else:
            break
    return group, k + 1


def _substances_differ(text: str, between: str, nxt: Found) -> bool:
    """Doses listed as "N mg of X, M mg of Y" are given together only when X and Y are named and differ
    ("10 mg of the drug, 20 mg of the drug" are two arms)."""
    first = OF_SUBSTANCE.match(between)
    if first is None:
        return True  # "400 mg ibuprofen and 1,000 mg acetaminophen": the joiner alone decides
    second = OF_SUBSTANCE.search(text, nxt.start, nxt.end) or OF_SUBSTANCE.match(text, nxt.end)  # "400 IU of vitamin D"
    a = first.group("word").lower()
    b = second.group("word").lower() if second is not None else ""
    return bool(b) and a != b and a not in DRUG_STOP and b not in DRUG_STOP


def _add_dose_group(scope: TrialScope, i: int, group: list[tuple[int, Found]], arms: list[Arm],
                    dose_arm: dict[int, Arm]) -> None:
    text = scope.text
    sent_start = scope.starts[i]
    sent_end = sent_start + len(scope.sent_text[i])
    dose_objs = []
    drugs = []
    guessed = []  # names read off the neighbouring word alone
    for _, g in group:
        drug = g.data.get("drug") or named_drug(text, g, sent_start, sent_end)
        guessed.append(drug is None)
        drug = drug or word_next_to(text, g, sent_start, sent_end)
        d = g.data
        dose_objs.append(Dose(value=d["value"], unit=d["unit"], text=text[g.start:g.end], start=g.start,
                              end=g.end, upper=d["upper"], per=d["per"], frequency=d["frequency"],
                              drug=drug if len(group) > 1 else None, rule_id=g.rule_id))
        drugs.append(drug)
    if len({(x or "").lower() for x in drugs}) < len(drugs) and len(group) > 1:
        # same drug twice: separate arms ("10, 20 or 40 mg"), not a combination
        for (gi, g), dose_obj, drug in zip(group, dose_objs, drugs, strict=True):
            dose_obj.drug = None
            _add_dose_arm(arms, dose_arm, [dose_obj], [drug], g.start, g.end, scope.evidence, gi)
        return
    _add_dose_arm(arms, dose_arm, dose_objs, drugs, group[0][1].start, group[-1][1].end, scope.evidence, i,
                  guessed=all(guessed))


def _merge_unnamed_dose_arms(arms: list[Arm], dose_arm: dict[int, Arm]) -> None:
    """A dose arm with no substance is the named arm with the same doses, or, with one substance named, of that one."""
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


def named_drug(text: str, dose: Found, sent_start: int, sent_end: int) -> str | None:
    """The substance a dose's phrase names: before an enclosing parenthesis ("Kyleena (levonorgestrel 19.5 mg)"), or
    'of X' after ("300 mg of baclofen")."""
    before = text[sent_start:dose.start]
    after = text[dose.end:sent_end]
    open_at = _open_paren(before)
    if open_at >= 0:
        word = _last_word(before[:open_at])
        if word:
            return word
    m = re.match(r"\s*(?:of|per day of|a day of|daily of)\s+(?:(?:the|a|an)\s+)?(?:drug\s+|supplement\s+)?([Vv]itamin [A-Z]\d?|"
                 r"[A-Z][\w-]*|[a-z][\w-]*(?:\s+(?!(?:a|an|the|or|and|per|daily|each|every|for|in|to|with|twice|once|"
                 r"plus|at|on|was|were|had|has|have|is|are|did|does|showed|led|reduced|increased|improved)\b)"
                 r"[a-z][\w-]*\b(?<!ed)){0,2})", after)
    if m and m.group(1).lower() not in DRUG_STOP:
        return m.group(1)
    return None


def word_next_to(text: str, dose: Found, sent_start: int, sent_end: int) -> str | None:
    """The word just before a dose, else the one just after: a guess at its substance ("baclofen 30 mg")."""
    before = text[sent_start:dose.start]
    after = text[dose.end:sent_end]
    word = _last_word(before)
    if word:
        return word
    m = re.match(r"\s*([Vv]itamin [A-Z]\d?|[A-Za-z][\w-]*)", after)
    if m and m.group(1).lower() not in DRUG_STOP and not re.search(r"(?:ed|ing)$", m.group(1)):
        return m.group(1)
    return None


def _open_paren(before: str) -> int:
    """Where the parenthesis enclosing the end of ``before`` opens, or -1."""
    depth = 0
    for k in range(len(before) - 1, -1, -1):
        ch = before[k]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                return k
            depth -= 1
    return -1


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


def _add_dose_arm(arms: list[Arm], dose_arm: dict[int, Arm], doses: list[Dose], drugs: list[str | None],
                  start: int, end: int, evidence: set[int], sent: int, *, guessed: bool = False) -> None:
    """A new arm for ``doses``, or the arm that already has them: the same substance, or any one when the substance
    is only ``guessed`` from a neighbouring word ("19 Gy HDR brachytherapy" ... "the follow-up interval lengthens, 19
    Gy dosing": one arm, not one per word next to the dose)."""
    names = [d for d in drugs if d]
    intervention = " and ".join(dict.fromkeys(n.lower() if not n.isupper() else n for n in names)) or None
    amounts = tuple((d.value, d.unit) for d in doses)
    for arm in arms:
        if tuple((d.value, d.unit) for d in arm.doses) == amounts and (arm.intervention == intervention or guessed):
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


# --- arms named in the text -------------------------------------------------------------


def _add_pair_arms(scope: TrialScope, i: int, f: Found, arms: list[Arm]) -> None:
    if not all(plausible_arm_name(t) for t in f.data["arms"]):
        return  # "took one or two", "died or worse": not a choice between treatments
    for arm_text, (a_start, a_end) in zip(f.data["arms"], f.data["arm_spans"], strict=True):
        if any(_same_arm(arm_text, a) for a in arms) or any(
                a.start is not None and a_start <= a.start < a_end for a in arms):
            continue
        cmp = COMPARATOR_WORDS.search(arm_text)
        label = cmp.group(1).lower() if cmp and len(arm_text.split()) <= 3 else arm_text
        if any(a.label.lower() == label.lower() for a in arms):
            continue  # "either galantamine or a placebo" again: the placebo arm is already there
        arms.append(Arm(label=label, intervention=label, start=a_start, end=a_end, rule_id=f.rule_id))
        scope.evidence.add(i)


def _add_comparator_arm(scope: TrialScope, i: int, f: Found, arms: list[Arm]) -> None:
    name = f.data["intervention"]
    if not re.search(r"placebo|sham|dummy|sugar", name) and not ARM_CONTEXT.search(scope.sent_text[i]):
        return
    if re.search(r"(?:sham|placebo)[\s-]+$", scope.text[max(0, f.start - 10):f.start], re.I):
        return  # "the sham control group" names the sham arm
    if NOT_A_COMPARATOR_ARM.search(scope.sent_text[i]):
        return  # "a placebo effect", "there has not been a placebo-controlled trial"
    base = "placebo" if "placebo" in name or "dummy" in name or "sugar" in name else (
        "sham" if re.search(r"sham|simulated|fake|mock|inactive", name) else name.replace(" group", ""))
    if not any(base in a.label.lower() for a in arms):
        arms.append(Arm(label=base, intervention=base, start=f.start, end=f.end, rule_id=f.rule_id))
        scope.evidence.add(i)


def _group_arms(scope: TrialScope, arms: list[Arm]) -> None:
    """Arms named as groups: "the robotic surgery group", "those taking Xeljanz"."""
    for i, f in scope.items("ARM"):
        if f.data["kind"] != "group":
            continue
        if not GROUP_CONTEXT.search(scope.sent_text[i]):
            continue  # "the Amsterdam group does not want to stop there": a team, not an arm
        name = f.data["arm"]
        words = {w.lower() for w in re.findall(r"[A-Za-z][\w-]+", name)}
        if (not words - DRUG_STOP or words & NOT_ARM_WORDS or words <= VAGUE_ARM_WORDS
                or COMPARATOR_WORDS.search(name)
                or any(_same_arm(name, a) for a in arms) or re.fullmatch(r"[a-z]+ed", name)):
            continue
        arms.append(Arm(label=name, intervention=name, start=f.start, end=f.end, rule_id=f.rule_id))


def _most_named_intervention(scope: TrialScope, arms: list[Arm]) -> None:
    """No active arm yet: the intervention the trial's sentences name most ("Aimovig", "dupilumab")."""
    if any(not is_comparator(a) for a in arms):
        return
    named_counts: dict[str, int] = {}
    for _i, f in scope.items("ARM"):
        if f.data["kind"] == "intervention" and f.data["arm"].lower() not in DRUG_STOP:
            key = f.data["arm"]
            named_counts[key] = named_counts.get(key, 0) + (2 if f.rule_id == "arms.named_intervention" else 1)
    if named_counts and max(named_counts.values()) >= 2:
        name = max(named_counts, key=lambda k: named_counts[k])
        first = next(f for _i, f in scope.items("ARM") if f.data["kind"] == "intervention" and f.data["arm"] == name)
        arms.insert(0, Arm(label=name, intervention=name, start=first.start, end=first.end, rule_id=first.rule_id))


def _same_arm(arm_text: str, arm: Arm) -> bool:
    """Two names of one arm: the words of one contain the other's ("CBD-treated" and "CBD 20 mg/kg"),
    but a shared generic word alone ("open surgery", "robotic surgery") does not make them one."""
    words = _arm_words(arm_text)
    label_words = _arm_words(f"{arm.label} {arm.intervention or ''}")
    return bool(words) and bool(label_words) and (words <= label_words or label_words <= words)


def _arm_words(text: str) -> set[str]:
    text = re.sub(r"-(?:treated|only|based|alone|group)\b", "", text.lower())
    return {w for w in re.findall(r"[a-z][\w-]+", text) if w not in DRUG_STOP and not re.fullmatch(r"mg|mcg|iu|g", w)}


def plausible_arm_name(text: str) -> bool:
    """Words that can name a treatment arm: not a number, a time, a negation or a verb alone."""
    text = text.strip()
    words = text.split()
    if not text or NOT_ARM_START.match(text) or any(re.fullmatch(r"[\d.,]+", w) for w in words):
        return False
    if len(words) <= 2 and TIME_WORD.search(text):
        return False
    return not (len(words) == 1 and re.search(r"(?:ed|ing)$", words[0])) and len(words) <= 6


def names_an_arm(label: str) -> bool:
    """Whether a label can name an arm: not one stop word ("them", "of") or vague adjective ("lowest", "different")."""
    low = label.strip().lower()
    return bool(low) and low not in STOP_WORDS and low not in NOT_AN_ARM_LABEL


# --- arm sizes --------------------------------------------------------------------------


def _arm_sizes(scope: TrialScope, arms: list[Arm], dose_arm: dict[int, Arm]) -> None:
    """Head counts of arms ("52 received the drug", "placebo (n=40)"), to a known arm or a new one."""
    for i, f in scope.items("ARM"):
        if f.data["kind"] != "arm_n":
            continue
        arm = _arm_for_size(f, arms, dose_arm, scope.starts[i] + len(scope.sent_text[i]))
        if arm is None and _new_arm_ok(f, arms, scope.sent_text[i]):
            arm = Arm(label=f.data["arm"], intervention=f.data["arm"], start=f.data["arm_start"],
                      end=f.data["arm_end"], rule_id=f.rule_id)
            arms.append(arm)
        if arm is not None and arm.n is None:
            arm.n = f.data["n"]
            arm.n_start, arm.n_end, arm.n_rule_id = f.data["n_start"], f.data["n_end"], f.rule_id
            scope.evidence.add(i)


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
    comparator = _comparator_for_size(arm_text, arms)
    if comparator is not None:
        return comparator
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
    active = [a for a in arms if not is_comparator(a)]
    if THE_TREATMENT.fullmatch(arm_text) or arm_text in ("it", "them"):
        # "the 34 people who received it": the trial's one active arm
        return active[0] if len(active) == 1 and active[0].n is None else None
    candidates = [a for a in arms if _same_arm(arm_text, a) and a.n is None]
    if len(candidates) == 1:
        return candidates[0]
    return None


def _comparator_for_size(arm_text: str, arms: list[Arm]) -> Arm | None:
    """A sized group named as a comparator ("the placebo group") is the comparator arm, when there is one."""
    # "placebo-controlled" in the group's words names the design, not the group
    comparator = re.search(r"\b(placebo|sham)(?!\w*-controlled)", arm_text) or COMPARATOR_WORDS.search(arm_text)
    if comparator:
        word = comparator.group(1).lower()
        if word in ("simulated", "fake", "mock", "inactive"):
            word = "sham"
        if word == "control" and not any("control" in a.label.lower() for a in arms):
            word = next((a.label for a in arms if a.label in ("placebo", "sham")), word)
        for arm in arms:
            if word in arm.label.lower():
                return arm
    return None


# --- an arm for a trial the rules found none for; single-arm trials -------------------------------------


def name_active_arm(scope: TrialScope, arms: list[Arm], trial: Trial) -> None:
    """A trial with no active arm gets one named by the intervention model (``choose_intervention``)."""
    if any(not is_comparator(a) for a in arms):
        return
    pick = choose_intervention(scope.text, scope.sents, scope.bucket.sents, scope.items("ARM"), owner=trial)
    if pick is None or not names_an_arm(pick.value):
        return
    arms.insert(0, Arm(label=pick.value, intervention=pick.value, start=pick.start, end=pick.end,
                       rule_id=pick.rule_id, score=pick.score))
    scope.evidence.add(scope.sentence_of(pick.start))


def single_arm(trial: Trial, arms: list[Arm], study_type: str, role: str) -> Arm | None:
    """The one arm of a trial that compares nothing: every participant received it, so the trial's results are
    its results, and for the article's own completed single-arm trial its size, if below ``SINGLE_ARM_MAX_N``, is
    the arm's n."""
    if set(trial.design) & COMPARATIVE_TAGS or (role == "main" and study_type != "trial"):
        return None
    if len(arms) != 1 or is_comparator(arms[0]):
        return None
    arm = arms[0]
    # a recruiting trial's size is a target, not who received the arm
    if (role == "main" and trial.status == "completed" and arm.n is None and trial.size is not None
            and trial.size < SINGLE_ARM_MAX_N and trial.size_span is not None):
        arm.n = trial.size
        arm.n_start, arm.n_end = trial.size_span
        arm.n_rule_id = "arms.single_arm_size"
    return arm


def give_results_to(arm: Arm, outcomes: list[Outcome]) -> None:
    """A single-arm trial's values left to the whole trial are its one arm's."""
    for outcome in outcomes:
        if outcome.value is not None and outcome.arm == "all":
            outcome.arm = arm.label
