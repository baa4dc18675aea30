"""Pure parsing of numbers, number words, units, dose periods and durations."""

from __future__ import annotations

import re

UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
SCALE_WORDS = {"hundred": 100, "thousand": 1000, "million": 1_000_000}

_NUM_WORD = "|".join(sorted([*UNITS_WORDS, *TENS_WORDS, *SCALE_WORDS, "a"], key=len, reverse=True))
# "twenty-four", "two thousand", "one hundred and fifty"
NUMBER_WORDS_RE = (
    rf"(?:(?:{'|'.join(TENS_WORDS)})(?:[- ](?:{'|'.join(k for k in UNITS_WORDS if k != 'zero')}))?"
    rf"|{'|'.join(sorted(UNITS_WORDS, key=len, reverse=True))})"
    rf"(?:[- ](?:hundred|thousand|million)(?:(?: and)? (?:(?:{'|'.join(TENS_WORDS)})(?:-\w+)?|"
    rf"{'|'.join(sorted(UNITS_WORDS, key=len, reverse=True))}))?)?"
)
# A number as written: 1,021 / 14.800 is not used in English news; 2.5; .1; 1 000 not handled.
DIGITS_RE = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+)"
NUMBER_RE = rf"(?:{DIGITS_RE}|(?i:{NUMBER_WORDS_RE}))"


def parse_number(text: str) -> float | None:
    """'1,021' -> 1021; '2.5' -> 2.5; '.1' -> 0.1; 'Sixty-seven' -> 67; 'two thousand' -> 2000."""
    t = text.strip().lower().replace("\u2009", "").replace("\xa0", " ")
    if not t:
        return None
    if re.fullmatch(DIGITS_RE, t):
        return float(t.replace(",", ""))
    total = 0
    current = 0
    seen = False
    for word in re.split(r"[\s-]+", t):
        if word == "and":
            continue
        if word in UNITS_WORDS:
            current += UNITS_WORDS[word]
        elif word in TENS_WORDS:
            current += TENS_WORDS[word]
        elif word in SCALE_WORDS:
            current = max(current, 1) * SCALE_WORDS[word]
            if SCALE_WORDS[word] >= 1000:
                total += current
                current = 0
        elif word == "a" and not seen:
            current = 1
        else:
            return None
        seen = True
    return float(total + current) if seen else None


def as_int(value: float | None) -> int | None:
    return None if value is None else int(round(value))


# --- units ------------------------------------------------------------------------------

UNIT_MAP = {
    "mg": "mg", "milligram": "mg", "milligrams": "mg", "mgs": "mg",
    "g": "g", "gram": "g", "grams": "g", "gm": "g",
    "kg": "kg",
    "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg", "microgram": "mcg", "micrograms": "mcg",
    "ng": "ng", "nanogram": "ng", "nanograms": "ng",
    "iu": "IU", "ius": "IU", "international unit": "IU", "international units": "IU",
    "unit": "unit", "units": "unit", "u": "unit",
    "ml": "ml", "milliliter": "ml", "milliliters": "ml", "millilitre": "ml", "millilitres": "ml", "cc": "ml",
    "mmol": "mmol", "meq": "mEq", "gy": "Gy", "gray": "Gy",
    "%": "%", "percent": "%", "per cent": "%",
    "oz": "oz", "ounce": "oz", "ounces": "oz",
    "cups": "cups", "cup": "cups", "servings": "servings", "serving": "servings",
    "mg/kg": "mg/kg", "mg/m2": "mg/m2", "mg/m²": "mg/m2", "u/m2": "u/m2", "mcg/kg": "mcg/kg",
    "µg/kg": "mcg/kg", "g/kg": "g/kg", "iu/kg": "IU/kg", "units/kg": "unit/kg", "ml/kg": "ml/kg",
}


def normalize_unit(raw: str) -> str:
    """'milligrams' -> 'mg', 'International Units' -> 'IU', 'mg/m²' -> 'mg/m2'."""
    t = re.sub(r"\s+", " ", raw.strip().lower()).replace("²", "2").rstrip(".")
    t = t.replace("per kilogram", "/kg").replace(" per kg", "/kg").replace(" / ", "/").replace(" /", "/")
    if t in UNIT_MAP:
        return UNIT_MAP[t]
    if t.startswith("million ") and t.endswith("cells"):
        return "million cells"  # "5 million dendritic cells"
    if "/" in t:
        head, tail = t.split("/", 1)
        return f"{UNIT_MAP.get(head.strip(), head.strip())}/{tail.strip()}"
    return UNIT_MAP.get(t, t)


PER_MAP = {
    "day": "day", "daily": "day", "a day": "day", "per day": "day", "each day": "day", "every day": "day",
    "/day": "day", "/d": "day", "/ day": "day", "d": "day", "nightly": "day", "each night": "day",
    "week": "week", "weekly": "week", "a week": "week", "per week": "week", "/week": "week", "/wk": "week",
    "every week": "week", "each week": "week",
    "month": "month", "monthly": "month", "a month": "month", "per month": "month", "/month": "month",
    "every month": "month", "each month": "month",
    "year": "year", "yearly": "year", "a year": "year", "per year": "year", "annually": "year",
}


def normalize_per(raw: str | None) -> str | None:
    if not raw:
        return None
    t = re.sub(r"\s+", " ", raw.strip().lower())
    if t in PER_MAP:
        return PER_MAP[t]
    for key in ("day", "week", "month", "year"):
        if key in t:
            return key
    return None


# --- durations --------------------------------------------------------------------------

DURATION_UNITS = {
    "day": "days", "days": "days", "night": "days", "nights": "days",
    "week": "weeks", "weeks": "weeks", "wk": "weeks", "wks": "weeks",
    "month": "months", "months": "months", "mo": "months", "year": "years", "years": "years",
    "yr": "years", "yrs": "years", "hour": "hours", "hours": "hours", "minute": "minutes",
    "minutes": "minutes",
}


# The longest a trial's treatment or follow-up is taken to run. The gold's longest is 15 years; "for more than 60
# years", "married for 43 years", "in 30 years" (history, lives, waits) are what a longer span is in the news.
MAX_DURATION_YEARS = 20
_YEARS_PER = {"days": 1 / 365.25, "weeks": 7 / 365.25, "months": 1 / 12, "years": 1.0, "hours": 1 / 8766,
              "minutes": 1 / 525960}


def plausible_duration(duration: str) -> bool:
    """Whether a normalised duration ("16 weeks") is one a trial can run for: at most ``MAX_DURATION_YEARS``."""
    number, _, unit = duration.partition(" ")
    per = _YEARS_PER.get(unit if unit.endswith("s") else unit + "s")
    return per is None or float(number) * per <= MAX_DURATION_YEARS


def normalize_duration(number: str, unit: str) -> str | None:
    """('16', 'week') -> '16 weeks'; ('five', 'months') -> '5 months'; ('1', 'year') -> '1 year'."""
    value = parse_number(number)
    unit_n = DURATION_UNITS.get(unit.strip().lower())
    if value is None or unit_n is None:
        return None
    v = int(value) if value.is_integer() else value
    if v == 1:
        unit_n = unit_n.rstrip("s")
    return f"{v} {unit_n}"


# --- display and reviewer input ---------------------------------------------------------


def plain_number(x: float | int | None) -> float | int | None:
    """Integral floats as ints (150.0 -> 150), for JSON and display; other values unchanged."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def format_number(x: float | int | None) -> str:
    """150.0 -> '150', 2.5 -> '2.5', None -> ''."""
    return "" if x is None else str(plain_number(float(x)))


def format_dose(dose: dict) -> str:
    """One dose as people write it: '150 mg/day', 'up to 270 mg/day', '10–20 mg twice daily', 'baclofen 30 mg'.

    ``dose`` holds value, upper, unit, per and optionally frequency and drug (a stored row or its JSON)."""
    value, upper = dose.get("value"), dose.get("upper")
    if value is None:
        amount = "?"
    elif upper is not None and upper != value:
        amount = f"{format_number(value)}–{format_number(upper)}"
    elif upper is not None:
        amount = f"up to {format_number(value)}"
    else:
        amount = format_number(value)
    out = f"{amount} {dose.get('unit') or ''}".strip()
    if dose.get("per"):
        out += f"/{dose['per']}"
    if dose.get("frequency"):
        out += f" {dose['frequency']}"
    if dose.get("drug"):
        out = f"{dose['drug']} {out}"
    return out


DOSE_INPUT = re.compile(rf"(?P<upto>up to\s+)?(?P<value>{DIGITS_RE})\s*(?:(?:-|–|to)\s*(?P<upper>{DIGITS_RE}))?\s*"
                        r"(?P<unit>[a-zA-Zµμ%][a-zA-Zµμ%0-9²]*)?(?:\s*(?:/|per|a|an|every)\s*(?P<per>day|week|month|kg|m2|m²))?",
                        re.I)


def parse_dose(text: str) -> dict:
    """A dose typed by a reviewer: '150 mg/day', 'up to 270 mg per day', '10-20 mg', '2 mg/kg daily'."""
    t = text.strip()
    m = DOSE_INPUT.search(t)
    if not m:
        return {"value": None, "upper": None, "unit": None, "per": None, "text": t}
    value = parse_number(m.group("value"))
    upper = parse_number(m.group("upper")) if m.group("upper") else (value if m.group("upto") else None)
    unit = normalize_unit(m.group("unit")) if m.group("unit") else None
    per = m.group("per")
    if per and per.lower() in ("kg", "m2", "m²") and unit:
        unit, per = normalize_unit(f"{unit}/{per}"), None
    per = normalize_per(per) or ("day" if re.search(r"\bdaily\b", t, re.I) else None)
    return {"value": plain_number(value), "upper": plain_number(upper), "unit": unit, "per": per, "text": t}


def first_number(text: str) -> float | int | None:
    """The first number written in digits in a reviewer's input ('151 patients' -> 151)."""
    m = re.search(DIGITS_RE, text)
    return plain_number(parse_number(m.group(0))) if m else None
