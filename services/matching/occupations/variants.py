"""Query variants for real Danish job titles: job-ad noise, STAR's comma form, abbreviations.

Real titles are rarely bare ESCO labels. Job ads add noise ("Erfaren
lagermedarbejder søges til vores lager i Kolding", "Pædagog (m/k) 32 timer"),
STAR's occupation list inverts compounds ("Assistent, kontor" for
"kontorassistent"), and mediators abbreviate ("sosu-assistent", "hk'er").

`title_variants` returns the cleaned title first (weight 1.0), then rewritten
forms with a weight below 1. The normaliser scores every variant and keeps
each occupation's best weighted score, so a rewrite can only add a candidate;
it never hides what the literal title matches. The weight keeps a literal
match ahead of an equally good match of a stripped-down form: ESCO's own
labels contain commas and prepositions ("salgsassistent, fiskebutik",
"tekniker inden for asfaltproduktion").
"""

import re

from services.matching.occupations.titles import clean_title

# Weight of a rewritten form against the literal title, see the module docstring.
VARIANT_WEIGHT = 0.97
MAX_VARIANTS = 8

_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_HOURS = re.compile(
    r"\b\d+([.,]\d+)?\s*(-\s*\d+\s*)?(timer|time|t\.?|tim\.?)(\s*(pr\.?|om|/|i)\s*(ugen|uge|u\.?))?(?!\w)"
    r"|\b\d+\s*t\s*/\s*(ugen|uge|u)\b"
)
_DIGITS = re.compile(r"\b\d+([.,/-]\d+)*\b\.?")
# Where the title ends and the ad's context begins ("… hos Netto", "… søges
# snarest"). Not " i …", " inden for …" or " - …": ESCO labels use those for the
# specialty ("ekspert i digital kriminalteknik", "maskinoperatør - granulering").
_CONTEXT = re.compile(r"\s(?:hos|pr\.?|per|søges|søger|ønskes|ansættes)(?:\s.*)?$")
# " til …" ends the title only before a workplace: ESCO has "medarbejder til
# konservering af grøntsager", ads have "sosu-assistent til hjemmeplejen".
_TIL_WORKPLACE = re.compile(
    r"\s+til\s+(?:(?:vores|vor|jeres|din|en|et|nyt|ny|travl|travlt)\b"
    r"|\S*(?:plejen|afdelingen|afdeling|modtagelsen|teamet|team|lageret|kontoret|butikken|"
    r"produktionen|køkkenet|skolen|institutionen|børnehaven|vuggestuen|centret|centeret|"
    r"klinikken|hospitalet|kommune|kunden|firmaet|virksomheden|huset)\b).*$"
)
_LEADING = re.compile(
    r"^(?:(?:vi|de|du|som)\s+)?(?:søger|søges|ansætter|mangler|har brug for)\s+(?:vi\s+)?"
    r"(?:(?:en|et|to|tre|flere|nye?|\d+(?:\s*-\s*\d+)?)\s+)*"
)
_NOISE_WORDS = frozenset(
    (
        "søges",
        "søger",
        "ønskes",
        "ansættes",
        "erfaren",
        "erfarne",
        "dygtig",
        "dygtige",
        "engageret",
        "engagerede",
        "selvstændig",
        "selvstændige",
        "motiveret",
        "motiverede",
        "kompetent",
        "kompetente",
        "stærk",
        "skarp",
        "driftig",
        "dedikeret",
        "energisk",
        "fleksibel",
        "struktureret",
        "udadvendt",
        "glad",
        "ny",
        "nye",
        "nyuddannet",
        "uddannet",
        "uddannede",
        "faglært",
        "faglærte",
        "junior",
        "senior",
        "fuldtid",
        "deltid",
        "fuldtidsstilling",
        "deltidsstilling",
        "fast",
        "faste",
        "vikariat",
        "vikar",
        "barselsvikariat",
        "barselsvikar",
        "tidsbegrænset",
        "midlertidig",
        "stilling",
        "stillinger",
        "job",
        "kollega",
        "kollegaer",
        "timer",
        "time",
        "uge",
        "ugen",
        "pr",
        "per",
        "m",
        "k",
        "mk",
        "kvinde",
        "mand",
        "og/eller",
        "en",
        "et",
        "vores",
        "jeres",
        "din",
        "hurtigst",
        "muligt",
        "snarest",
        "straks",
    )
)
_DANGLING = frozenset({"til", "i", "med", "på", "for", "hos", "af", "ved", "og", "fra"})
# Safe to drop only at the edges: inside a title they can be part of it ("vikar").
_EDGE_ONLY = frozenset({"vikar", "fast", "ny", "nye", "mand", "kvinde", "og/eller", "time"})

# Common Danish abbreviations and their ESCO-style forms (whole words, after lower-casing).
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bsosu[- ]?assistent(er)?\b|\bssa\b", "social- og sundhedsassistent"),
        (r"\bsosu[- ]?hjælper(e)?\b|\bssh\b", "social- og sundhedshjælper"),
        (r"\bsosu[- ]?elev(er)?\b", "social- og sundhedselev"),
        (r"\bsosu\b", "social- og sundhedsassistent"),
        (r"\bpmh\b|\bpædagogmedhj\.?(?=\s|$)", "pædagogmedhjælper"),
        (
            r"\bhk['’]?er(e)?\b|\bhk[- ]?assistent(er)?\b|\bhk[- ]?medarbejder(e)?\b",
            "kontorassistent",
        ),
        (r"\bit[- ]?supporter(e)?\b", "it-supporter"),
        (r"\bcand\.?\s*psych\.?\b", "psykolog"),
        (r"\bcand\.?\s*jur\.?\b", "jurist"),
        (r"\bcand\.?\s*merc\.?\b", "erhvervsøkonom"),
        (r"\bkøkkenass\.?(?=\s|$)", "køkkenassistent"),
        (r"\blagermedarb\.?(?=\s|$)", "lagermedarbejder"),
        (r"\bmedarb\.?(?=\s|$)", "medarbejder"),
        (r"\bass\.(?=\s|$)", "assistent"),
    )
)
# Gender and plural forms of the head noun → the form ESCO labels use.
_HEAD_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("kvinde", "mand"),
    ("ekspeditrice", "ekspedient"),
    ("servitrice", "tjener"),
    ("trice", "tør"),
    ("inde", ""),
    ("ørere", "ører"),
    ("ører", "ør"),
    ("erne", "er"),
    ("ere", "er"),
    ("enter", "ent"),
    ("ister", "ist"),
    ("ikere", "iker"),
    ("plejersker", "plejerske"),
    ("tører", "tør"),
    ("ører", "ør"),
    ("oger", "og"),
    ("ologer", "olog"),
)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" -–—.,:;!?*/|")


def _strip_noise(text: str, places: frozenset[str] = frozenset()) -> str:
    """Drop hours, numbers, filler adjectives and the ad's context around the title."""
    text = _HOURS.sub(" ", text)
    text = _DIGITS.sub(" ", text)
    text = _squash(_LEADING.sub("", _squash(text)))
    text = _squash(_CONTEXT.sub("", text))
    text = _squash(_TIL_WORKPLACE.sub("", text))
    words = text.split()
    # A capitalised word after "til" in the original is a workplace too ("til Aarhus Kommune").
    for i in range(1, len(words) - 1):
        if words[i] == "til" and words[i + 1] in places:
            words = words[:i]
            break
    # "… i Kolding": a capitalised word after "i" in the original is a place.
    for i in range(1, len(words) - 1):
        if words[i] == "i" and words[i + 1] in places:
            words = words[:i]
            break
    # Filler words go anywhere; edge-only words only at the start or end.
    while words and words[0].rstrip("!.:") in _NOISE_WORDS:
        words.pop(0)
    # Removing hours can leave a dangling preposition ("… med 30 t/uge").
    while words and (words[-1].rstrip("!.:") in _NOISE_WORDS or words[-1] in _DANGLING):
        words.pop()
    words = [w for w in words if w in _EDGE_ONLY or w not in _NOISE_WORDS]
    return _squash(" ".join(words))


def _expand_abbreviations(text: str) -> str:
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return text


def _singular_head(text: str) -> str:
    """The last word in its singular, gender-neutral ESCO form (or `text` unchanged)."""
    words = text.split()
    if not words:
        return text
    head = words[-1]
    for suffix, replacement in _HEAD_SUFFIXES:
        if head.endswith(suffix) and len(head) - len(suffix) + len(replacement) >= 4:
            words[-1] = head[: len(head) - len(suffix)] + replacement
            return " ".join(words)
    return text


def _star_forms(text: str) -> list[str]:
    """'receptionist, hotel' → 'hotelreceptionist', 'hotel receptionist'."""
    head, sep, modifier = text.partition(",")
    head, modifier = _squash(head), _squash(modifier)
    if not sep or not head or not modifier or "," in modifier:
        return []
    forms = []
    if " " not in head and " " not in modifier:
        forms.append(modifier + head)
        # Short or English modifiers take a hyphen: "it-konsulent", "hr-chef".
        if len(modifier) <= 3:
            forms.append(modifier + "-" + head)
    forms.append(f"{modifier} {head}")
    return forms


def _alternatives(text: str) -> list[str]:
    """The parts of 'tømrer/snedker' and 'tømrer og snedker'.

    Not "lager- og logistikmedarbejder": ESCO writes its labels that way, and the
    right-hand part alone ("logistikmedarbejder") loses what the left adds.
    """
    parts: list[str] = []
    if "/" in text:
        parts.extend(_squash(p) for p in text.split("/"))
    if " og " in text:
        left, _, right = text.partition(" og ")
        if " " not in left.strip() and " " not in right.strip() and not left.endswith("-"):
            parts.extend((_squash(left), _squash(right)))
    return [p for p in parts if len(p) >= 3]


def title_variants(title: str) -> list[tuple[str, float]]:
    """The cleaned title (weight 1) and its rewritten forms (weight VARIANT_WEIGHT), unique."""
    literal = clean_title(title)
    out: dict[str, float] = {literal: 1.0} if literal else {}

    def add(form: str) -> None:
        cleaned = clean_title(form)
        if cleaned and len(out) < MAX_VARIANTS:
            out.setdefault(cleaned, VARIANT_WEIGHT)

    places = frozenset(
        w.lower() for w in re.findall(r"(?<=\s)[A-ZÆØÅ][\wæøå-]*", title) if len(w) > 2
    )
    raw = re.sub(r"\s+", " ", title.lower()).strip()
    raw = _PARENS.sub(" ", re.sub(r"\(\s*[mkw]\s*/\s*[kmw]\s*(/\s*\w+\s*)?\)", " ", raw))
    # Titles shaped "Barselsvikar: sygeplejerske" name the job after the colon.
    if ":" in raw:
        before, _, after = raw.partition(":")
        raw = after if len(_squash(after)) >= 3 else before
    raw = _squash(raw.replace(" m/k", " ").replace(" k/m", " "))
    # Hours first: "30 t/uge" must not become the alternatives "30 t" and "uge".
    raw = _squash(_HOURS.sub(" ", raw))
    expanded = _expand_abbreviations(raw)
    queue = [expanded]
    if "," in expanded:
        stripped_comma = _strip_noise(expanded, places)
        queue = [*_star_forms(stripped_comma), *_star_forms(expanded), *queue]
    for text in list(queue):
        queue.extend(_alternatives(text))
    for text in queue:
        core = _strip_noise(text, places)
        for form in (text, core, _singular_head(core)):
            if form != literal:
                add(form)
    return list(out.items())
