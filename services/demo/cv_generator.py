"""Realistic, varied Danish demo CVs for Norddjurs and Aarhus, deterministic from a seed."""

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from services.matching.occupations.data import DATA_DIR, Occupation, load_occupations

# The Kompetencer corpus sits next to the ESCO files in matching's data folder.
KOMPETENCER_TSV = DATA_DIR.parent / "kompetencer" / "da_train_snippets.tsv"
# Demo dates are fixed, so a load today and a load next year give the same CVs.
REFERENCE_DATE = date(2026, 11, 1)

NORDDJURS = ["8500", "8550", "8560", "8570", "8581", "8585", "8586", "8592", "8950", "8961", "8963"]
AARHUS = [
    "8000", "8200", "8210", "8220", "8230", "8240", "8250", "8260", "8270", "8310", "8320",
    "8330", "8340", "8355", "8361", "8380", "8381", "8462", "8471", "8520", "8530", "8541",
]  # fmt: skip

FIRST_NAMES = [
    "Anne", "Mette", "Kirsten", "Hanne", "Helle", "Susanne", "Lene", "Maria", "Louise", "Camilla",
    "Sofie", "Emma", "Ida", "Julie", "Laura", "Freja", "Amalie", "Nanna", "Sara", "Fatima",
    "Agnieszka", "Olena", "Peter", "Michael", "Lars", "Jens", "Thomas", "Henrik", "Søren",
    "Martin", "Jesper", "Anders", "Rasmus", "Mads", "Mikkel", "Frederik", "Emil", "Oliver",
    "Mohammed", "Ali", "Piotr", "Tomasz", "Andrii", "Jonas", "Kasper", "Niels", "Bo", "Karina",
]  # fmt: skip
LAST_NAMES = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Kowalski", "Nowak",
    "Hussein", "Ahmadi", "Kovalenko", "Østergaard", "Bach", "Lund", "Djurhuus", "Kjær",
]  # fmt: skip
# Demo employers by the ISCO group of the job (most specific prefix wins), so a nurse
# works at a hospital or a care home, not at a transport firm.
EMPLOYERS: dict[str, list[str]] = {
    "1": ["Norddjurs Kommune", "Aarhus Kommune", "Viby Industri A/S", "Aarhus Logistik A/S"],
    "2": ["Aarhus Kommune", "Region Midtjylland", "Aarhus Tech Solutions ApS", "Viby Industri A/S"],
    "22": ["Region Midtjylland", "Aarhus Universitetshospital", "Brabrand Plejecenter"],
    "23": ["Norddjurs Kommune", "Aarhus Kommune", "Grenaa Gymnasium"],
    "25": ["Aarhus Tech Solutions ApS", "Region Midtjylland"],
    "3": ["Viby Industri A/S", "Kattegat Maskinfabrik A/S", "Region Midtjylland"],
    "32": ["Region Midtjylland", "Risskov Tandklinik", "Brabrand Plejecenter"],
    "34": ["Norddjurs Kommune", "Aarhus Kommune"],
    "4": ["Norddjurs Kommune", "Aarhus Kommune", "Grenaa Boligselskab", "Aarhus Logistik A/S"],
    "432": ["Aarhus Logistik A/S", "Grenaa Havn A/S", "Djursland Fødevarer A/S"],
    "5": ["Århus Købmandsgård", "Djurs Sommerpark"],
    "51": ["Café Havnen", "Hotel Kattegat", "Djurs Sommerpark"],
    "514": ["Salon Grenaa", "Frisør Trøjborg"],
    "52": ["Århus Købmandsgård", "Grenaa Storcenter", "Rema 1000 Auning"],
    "53": ["Norddjurs Kommune", "Aarhus Kommune", "Brabrand Plejecenter"],
    "54": ["Securitas Aarhus", "Grenaa Havn A/S"],
    "6": ["Djurslands Landbrug", "Kolind Planteskole", "Naturstyrelsen Djursland"],
    "7": ["Østjysk Byg A/S", "Kolind Tømrerforretning", "Lystrup VVS og El"],
    "72": ["Kattegat Maskinfabrik A/S", "Ryomgård Auto", "Viby Industri A/S"],
    "74": ["Lystrup VVS og El", "Viby Industri A/S"],
    "75": ["Djursland Fødevarer A/S", "Danish Crown Horsens"],
    "8": ["Viby Industri A/S", "Djursland Fødevarer A/S", "Kattegat Maskinfabrik A/S"],
    "83": ["Djurs Transport ApS", "Aarhus Logistik A/S", "Grenaa Havn A/S"],
    "833": ["Midttrafik", "Djurs Transport ApS", "Aarhus Logistik A/S"],
    "835": ["Anholt Færgefart", "Grenaa Havn A/S"],
    "9": ["Midtjysk Rengøring ApS", "Aarhus Logistik A/S", "Grenaa Havn A/S"],
    "91": ["Midtjysk Rengøring ApS", "Hotel Kattegat", "Norddjurs Kommune"],
    "92": ["Djurslands Landbrug", "Kolind Planteskole"],
    "94": ["Café Havnen", "Hotel Kattegat", "Brabrand Plejecenter"],
    "96": ["Midtjysk Rengøring ApS", "Norddjurs Kommune", "Grenaa Boligselskab"],
    "93": ["Aarhus Logistik A/S", "Grenaa Havn A/S", "Djursland Fødevarer A/S"],
}

# Danish job-ad phrasing of professional competences per ISCO sub-major group,
# falling back to the major group. Written for the demo; not taken from any person.
COMPETENCES: dict[str, list[str]] = {
    "1": ["personaleledelse", "budgetansvar", "strategisk planlægning", "forandringsledelse",
          "drift og økonomistyring", "LEAN", "rekruttering og onboarding", "kontraktforhandling"],
    "21": ["projektering", "AutoCAD", "beregning og dimensionering", "kvalitetssikring",
           "teknisk rådgivning", "risikovurdering"],
    "22": ["sygepleje", "klinisk observation", "medicinhåndtering", "journalføring",
           "akutte patienter", "tværfagligt samarbejde om patientforløb"],
    "23": ["undervisning", "klasseledelse", "forældresamarbejde", "inklusion",
           "undervisningsplanlægning", "dansk som andetsprog"],
    "24": ["regnskab", "budgetlægning", "markedsføring", "forretningsudvikling",
           "HR-administration", "salg til erhvervskunder"],
    "25": ["systemudvikling", "Python", "C#", "SQL", "drift af servere", "agil udvikling"],
    "26": ["sagsbehandling", "socialfaglig vurdering", "juridisk rådgivning", "formidling",
           "kommunikation", "journalistik"],
    "2": ["projektledelse", "dataanalyse", "rådgivning", "udarbejdelse af rapporter",
          "formidling", "kvalitetssikring"],
    "31": ["teknisk tegning", "kvalitetskontrol", "PLC-programmering", "vedligeholdelse",
           "fejlfinding på anlæg", "måling og prøvning"],
    "32": ["patientpleje", "sterilisation", "laboratoriearbejde", "tandpleje", "blodprøvetagning"],
    "33": ["bogføring", "salg", "indkøb", "kundeservice", "lønadministration", "speditionsarbejde"],
    "341": ["socialpædagogisk arbejde", "dokumentation", "konflikthåndtering",
            "aktiviteter og samvær"],
    "342": ["idræt og bevægelse", "træningsplanlægning", "instruktion af hold"],
    "34": ["formidling", "planlægning af aktiviteter", "kundeservice"],
    "35": ["IT-support", "netværk", "brugeroprettelse", "opsætning af pc'er"],
    "431": ["bogføring", "lønadministration", "fakturering", "e-conomic", "afstemning af konti",
            "debitorstyring"],
    "432": ["lagerstyring", "plukning af varer", "vareafsendelse", "truckkørsel",
            "vareregistrering", "disponering af transporter"],
    "422": ["kundeservice", "telefonpasning", "booking og planlægning", "reception og modtagelse",
            "Microsoft Office"],
    "41": ["Microsoft Office", "arkivering", "tekstbehandling", "telefonpasning",
           "journalisering"],
    "4": ["kundeservice", "bogføring", "e-conomic", "Microsoft Office", "telefonpasning",
          "fakturering", "lagerstyring i Navision", "arkivering", "booking og planlægning"],
    "511": ["kundeservice", "guidning", "sprogkundskaber", "billetsalg"],
    "512": ["madlavning", "tilberedning af mad", "anretning", "menuplanlægning",
            "fødevarehygiejne"],
    "513": ["servering", "opdækning", "barista", "vinkendskab", "bartending"],
    "514": ["klipning", "farvning", "hudpleje", "kundeservice", "rådgivning om produkter"],
    "515": ["rengøring", "vicevært-opgaver", "mindre reparationer", "affaldshåndtering"],
    "51": ["kundeservice", "service", "rengøring"],
    "52": ["salg", "kassebetjening", "vareopfyldning", "kundeservice", "butiksdrift",
           "varebestilling"],
    "531": ["pædagogisk arbejde med børn", "aktiviteter for børn", "forældresamarbejde",
            "madlavning i institution"],
    "532": ["personlig pleje", "praktisk hjælp", "forflytning", "demensomsorg",
            "dokumentation i omsorgssystem", "medicinhåndtering"],
    "54": ["vagtarbejde", "adgangskontrol", "overvågning", "førstehjælp"],
    "5": ["kundeservice", "rengøring", "service", "servering"],
    "6": ["pasning af dyr", "markarbejde", "malkning", "betjening af landbrugsmaskiner",
          "skovarbejde", "gartnerarbejde"],
    "71": ["tømrerarbejde", "murerarbejde", "tagarbejde", "læsning af tegninger",
           "betonarbejde", "malerarbejde", "VVS-installation"],
    "72": ["svejsning", "CNC-bearbejdning", "reparation af motorer", "smedearbejde",
           "hydraulik", "fejlfinding"],
    "73": ["trykning", "grafisk produktion", "håndværk i træ og glas"],
    "74": ["el-installation", "fejlfinding", "service på elanlæg", "automatik"],
    "75": ["bagning", "slagtning", "fødevarehygiejne", "produktion af fødevarer", "syning"],
    "7": ["håndværk", "læsning af tegninger", "montage", "reparation"],
    "81": ["maskinbetjening", "produktion", "procesovervågning", "kvalitetskontrol"],
    "82": ["montage", "pakning", "produktion på samlebånd", "kvalitetskontrol"],
    "831": ["togkørsel", "sikkerhedsregler på banen", "rangering"],
    "832": ["varelevering", "kørsel med varebil", "taxikørsel", "ruteplanlægning"],
    "8331": ["kørsel med passagerer", "rutekørsel", "kundeservice", "billetsalg"],
    "8332": ["kørsel med lastbil", "varelevering", "lastsikring", "kørsel med farligt gods"],
    "834": ["truckkørsel", "kranføring", "betjening af entreprenørmaskiner", "lastsikring"],
    "835": ["sejlads", "fortøjning", "vedligeholdelse af skib"],
    "8": ["maskinbetjening", "produktion", "pakning", "kvalitetskontrol"],
    "91": ["rengøring", "erhvervsrengøring", "vinduespudsning", "opvask"],
    "931": ["jordarbejde", "anlægsarbejde", "håndtering af byggematerialer"],
    "932": ["pakning", "produktion på samlebånd", "maskinpasning", "sortering"],
    "933": ["lagerarbejde", "plukning af varer", "pakning", "flytning", "truckkørsel"],
    "921": ["pasning af dyr", "fodring", "staldarbejde", "markarbejde"],
    "941": ["opvask", "køkkenarbejde", "anretning", "rengøring af køkken"],
    "961": ["affaldshåndtering", "renovation", "sortering af affald"],
    "962": ["vask og strygning", "sortering", "budkørsel", "pedelarbejde"],
    "9": ["rengøring", "pakning", "sortering"],
}  # fmt: skip
CERTIFICATES: dict[str, list[str]] = {
    "8331": ["Kvalifikationsbevis (EU-efteruddannelse)", "Digitalt førerkort"],
    "8332": ["Kvalifikationsbevis (EU-efteruddannelse)", "ADR-bevis", "Digitalt førerkort"],
    "834": ["Truckcertifikat B", "Kranførercertifikat"],
    "432": ["Truckcertifikat B"],
    "933": ["Truckcertifikat B"],
    "91": ["Hygiejnecertifikat", "Kursus i kemikaliehåndtering"],
    "512": ["Hygiejnecertifikat", "Førstehjælpsbevis"],
    "513": ["Hygiejnecertifikat"],
    "532": ["Førstehjælpsbevis", "Forflytningskursus"],
    "531": ["Førstehjælpsbevis"],
    "54": ["Vagtcertifikat", "Førstehjælpsbevis"],
    "71": ["Stilladsmontørcertifikat", "Asbestcertifikat", "Sikkerhedskursus (bygge)"],
    "72": ["Svejsecertifikat", "Kranførercertifikat"],
    "74": ["Autorisation som elinstallatør", "Sikkerhed ved elektriske anlæg"],
    "75": ["Hygiejnecertifikat"],
    "22": ["Autorisation som sygeplejerske", "Genoplivning (HLR)"],
    "32": ["Autorisation (sundhedsfaglig)"],
    "6": ["Sprøjtecertifikat", "Motorsavscertifikat"],
}  # fmt: skip
COURSES = [
    "Førstehjælp", "Excel for øvede", "Brandbekæmpelse", "Kundeservice i praksis",
    "Arbejdsmiljø", "Konflikthåndtering", "Digital dannelse", "Dansk på arbejdspladsen",
]  # fmt: skip
# Rough shares of ISCO major groups among the unemployed the demo imitates.
MAJOR_WEIGHTS = {"1": 3, "2": 16, "3": 14, "4": 10, "5": 20, "6": 3, "7": 12, "8": 11, "9": 11}
AKASSE_FOR_MAJOR = {
    "1": "HK A-kasse", "2": "HK A-kasse", "3": "HK A-kasse", "4": "HK A-kasse",
    "5": "FOA A-kasse", "6": "3F A-kasse", "7": "3F A-kasse", "8": "3F A-kasse", "9": "3F A-kasse",
}  # fmt: skip
OTHER_LANGUAGES = ["pl", "ar", "uk", "ro", "de", "lt", "tr", "en"]
# Occupations (ESCO preferred labels) that fill most of a regional CV bank; the demo draws
# most wishes from these so a mediator's everyday searches find several candidates.
COMMON_OCCUPATIONS = [
    "buschauffør", "taxichauffør", "chauffør - kørsel med farligt gods", "bagagevognschauffør",
    "lagerarbejder", "lagerkoordinator", "gaffeltruckfører", "mobilkranfører",
    "containerkranfører", "social- og sundhedshjælper", "social- og sundhedsassistent",
    "sygeplejerske", "grundskolelærer", "børnehavepædagog", "skolepædagog",
    "medarbejder i en børnepasningsordning", "specialpædagog", "socialhjælper", "kok",
    "køkkenassistent", "tjener", "bartender", "opvasker", "rengøringsassistent",
    "vinduespudser", "butiksassistent", "salgsassistent", "kasseassistent", "butiksleder",
    "receptionist", "administrativ assistent", "bogholderiassistent", "lønbogholder",
    "sekretær", "lægesekretær", "callcentermedarbejder", "kundeservicemedarbejder",
    "telefonist", "tømrer", "murer", "bygningsmaler", "elektriker",
    "plade- og konstruktionssmed", "svejser", "smed", "vvs-installatør", "tagdækker",
    "stilladsopstiller", "automekaniker", "industrimekaniker", "skibsmekaniker",
    "CNC-operatør", "produktionsmedarbejder", "industrislagter", "bager",
    "fødevareanalytiker", "havegartner", "anlægsgartner", "gartner", "skovarbejder",
    "landmand med blandet drift", "kvægavler", "dyrepasser", "vicevært", "flyttearbejder",
    "postbud", "stevedore", "matros", "skibsfører", "sikkerhedsvagt", "portør",
    "hjemmehjælper", "projektleder", "civilingeniør", "softwareudvikler", "revisor",
    "socialrådgiver", "fysioterapeut", "ergoterapeut", "tandklinikassistent", "frisør",
    "indkøber", "speditør", "journalist", "psykolog",
]  # fmt: skip
COMMON_SHARE = 0.75


@dataclass(frozen=True)
class DemoCv:
    """One generated CV (ingest format) and the a-kasse it belongs to, if any."""

    data: dict[str, Any]
    occupation: Occupation
    akasse: str | None


def _pick(table: dict[str, list[str]], isco: str) -> list[str]:
    """The entry of the most specific ISCO group the table has: unit, minor, sub-major, major."""
    for key in (isco[:4], isco[:3], isco[:2], isco[:1]):
        if key in table:
            return table[key]
    return []


@lru_cache(maxsize=1)
def _snippets() -> tuple[list[str], list[str]]:
    """Kompetencer job-ad snippets: (personal competences, collaboration skills)."""
    personal, social = [], []
    with KOMPETENCER_TSV.open(encoding="utf-8") as f:
        for text, tag in csv.reader(f, delimiter="\t"):
            text = text.strip().strip('”"')
            if not 3 <= len(text) <= 60:
                continue
            if tag == "A1":
                personal.append(text[0].upper() + text[1:])
            elif tag == "S1":
                social.append(text)
    return sorted(set(personal)), sorted(set(social))


@lru_cache(maxsize=1)
def occupation_pool() -> dict[str, list[Occupation]]:
    """Occupations by ISCO major group, civilian groups only."""
    pool: dict[str, list[Occupation]] = {}
    for occ in load_occupations():
        if occ.isco_group and occ.isco_group[0] in MAJOR_WEIGHTS:
            pool.setdefault(occ.isco_group[0], []).append(occ)
    return pool


@lru_cache(maxsize=1)
def common_occupations() -> list[Occupation]:
    """COMMON_OCCUPATIONS resolved to ESCO occupations (labels missing from ESCO drop out)."""
    by_label = {o.preferred_label: o for group in occupation_pool().values() for o in group}
    return [by_label[label] for label in COMMON_OCCUPATIONS if label in by_label]


def pick_occupation(rng: random.Random, common_share: float = 0.0) -> Occupation:
    """An occupation: from the common ones with `common_share`, else any by major group."""
    if common_share > 0 and rng.random() < common_share:
        return rng.choice(common_occupations())
    majors = list(MAJOR_WEIGHTS)
    major = rng.choices(majors, weights=[MAJOR_WEIGHTS[m] for m in majors])[0]
    return rng.choice(occupation_pool()[major])


def _related(rng: random.Random, occ: Occupation) -> Occupation:
    """Another occupation of the same ISCO unit group if there is one, else sub-major group."""
    pool = occupation_pool()[occ.isco_group[0]]
    same_unit = [o for o in pool if o.isco_group == occ.isco_group and o.uri != occ.uri]
    near = same_unit or [o for o in pool if o.isco_group[:2] == occ.isco_group[:2]]
    return rng.choice(near or pool)


def _education(rng: random.Random, occ: Occupation, year: int) -> list[dict[str, Any]]:
    """The education of the occupation, completed in `year` (before the first job)."""
    major = occ.isco_group[0]
    if major in "12":
        title = rng.choice(["Kandidatuddannelse", "Professionsbachelor", "Bachelor"])
        return [{"title": f"{title} ({occ.preferred_label})", "institution": "Aarhus Universitet"
                 if title != "Professionsbachelor" else "VIA University College",
                 "completed_year": year}]  # fmt: skip
    if major == "3":
        return [{"title": f"Erhvervsakademiuddannelse ({occ.preferred_label})",
                 "institution": "Erhvervsakademi Aarhus", "completed_year": year}]  # fmt: skip
    if major in "5678" and rng.random() < 0.7:
        school = (
            "SOSU Østjylland"
            if occ.isco_group.startswith("53")
            else rng.choice(["Djursland Erhvervsskole", "Aarhus Tech"])
        )
        return [{"title": f"Erhvervsuddannelse som {occ.preferred_label}",
                 "institution": school, "completed_year": year}]  # fmt: skip
    return [{"title": "Folkeskolens afgangsprøve", "institution": "", "completed_year": year}]


def _experience(rng: random.Random, occ: Occupation, related: Occupation) -> list[dict[str, str]]:
    """Up to three jobs back from the reference date, the latest in the wished occupation,
    the others in it or in an occupation of the same unit group; tasks and employers of
    each job's own ISCO group."""
    experience = []
    end = REFERENCE_DATE - timedelta(days=rng.randint(10, 500))
    for n in range(rng.choice([0, 1, 1, 2, 2, 3])):
        job = occ if n == 0 else rng.choice([occ, related])
        start = end - timedelta(days=rng.randint(120, 2500))
        own = _pick(COMPETENCES, job.isco_group)
        experience.append(
            {
                "title": rng.choice(job.labels),
                "occupation_uri": job.uri,
                "employer": rng.choice(_pick(EMPLOYERS, job.isco_group)),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "tasks": ", ".join(rng.sample(own, k=min(2, len(own)))).capitalize(),
            }
        )
        end = start - timedelta(days=rng.randint(0, 200))
    return experience


def experience_years(experience: list[dict[str, str]]) -> int:
    """Whole years of the jobs listed (what the headline may claim)."""
    days = sum(
        (date.fromisoformat(e["end"]) - date.fromisoformat(e["start"])).days for e in experience
    )
    return days // 365


def _education_year(rng: random.Random, experience: list[dict[str, str]]) -> int:
    """Completed before the first job listed (or recently, for someone without jobs)."""
    if not experience:
        return REFERENCE_DATE.year - rng.randint(0, 2)
    first = min(date.fromisoformat(e["start"]) for e in experience)
    return first.year - rng.randint(0, 3)


def _licences(rng: random.Random, isco: str) -> list[str]:
    """Most have a car licence; drivers (ISCO 832/833) have the heavier ones too."""
    licences = ["B"] if rng.random() < 0.85 else []
    if isco.startswith("833"):
        licences += rng.choice([["C"], ["C", "CE"], ["D"], ["C", "CE", "D"]])
    elif isco.startswith("832"):
        licences += rng.choice([[], ["C"]])
    return licences


def _languages(rng: random.Random) -> list[dict[str, str]]:
    """Danish as mother tongue for most, otherwise learnt; English for many."""
    languages = [{"language": "da", "level": "native"}]
    if rng.random() < 0.15:
        languages = [
            {"language": rng.choice(OTHER_LANGUAGES[:-1]), "level": "native"},
            {"language": "da", "level": rng.choice(["basic", "good"])},
        ]
    if rng.random() < 0.6:
        languages.append({"language": "en", "level": rng.choice(["basic", "good", "fluent"])})
    return languages


def make_cv(rng: random.Random, index: int, seed: int, occ: Occupation) -> DemoCv:
    """One varied CV whose main wish is `occ`."""
    personal, social = _snippets()
    isco = occ.isco_group
    related = _related(rng, occ)
    desired = [{"title": rng.choice(occ.labels), "occupation_uri": occ.uri}]
    if rng.random() < 0.35:
        desired.append({"title": related.preferred_label, "occupation_uri": related.uri})
    experience = _experience(rng, occ, related)
    years = experience_years(experience)
    own = _pick(COMPETENCES, isco)
    professional = rng.sample(own, k=min(len(own), rng.randint(2, 5)))
    professional += rng.sample(social, k=rng.randint(0, 2))
    certs_pool = _pick(CERTIFICATES, isco)
    certificates = rng.sample(certs_pool, k=rng.randint(0, min(2, len(certs_pool))))
    licences = _licences(rng, isco)
    languages = _languages(rng)
    area = NORDDJURS if rng.random() < 0.45 else AARHUS
    hours = rng.choice([37, 37, 37, 37, 32, 30, 25, 20])
    available = None if rng.random() < 0.7 else REFERENCE_DATE + timedelta(days=rng.randint(1, 90))
    label = desired[0]["title"]
    # The headline claims exactly the years the jobs below add up to.
    if years:
        headline = f"{label[0].upper()}{label[1:]} med {years} års erfaring"
    elif experience:
        headline = f"{label[0].upper()}{label[1:]} med under et års erfaring"
    else:
        headline = f"Nyuddannet {label}"
    education = _education(rng, occ, _education_year(rng, experience))
    traits = rng.sample(personal, k=3)
    summary = (
        f"Jeg søger job som {label} i {'Norddjurs' if area is NORDDJURS else 'Aarhus'}-området. "
        f"Mine styrker: {traits[0].lower()}, {traits[1].lower()} og {traits[2].lower()}."
    )
    membership = None
    roll = rng.random()
    if roll < 0.12:
        membership = "Krifa"
    elif roll < 0.9:
        membership = AKASSE_FOR_MAJOR[isco[0]]
    data = {
        "external_id": f"demo-{seed}-{index:05d}",
        "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "headline": headline,
        "summary": summary,
        "desired_jobs": desired,
        "professional_competences": professional,
        "personal_competences": traits[:2],
        "experience": experience,
        "education": education,
        "courses": [{"title": c} for c in rng.sample(COURSES, k=rng.randint(0, 2))],
        "certificates": certificates,
        "languages": languages,
        "driving_licences": licences,
        "weekly_hours": hours,
        "working_time": rng.sample(["day", "evening", "night", "weekend"], k=rng.randint(1, 2)),
        "postal_code": rng.choice(area),
        "max_commute_km": rng.choice([10, 15, 20, 30, 40, 50, 75]),
        "available_from": available.isoformat() if available else None,
        "searchable": rng.random() < 0.96,
    }
    return DemoCv(data=data, occupation=occ, akasse=membership)


def generate(count: int, seed: int) -> Iterator[DemoCv]:
    """`count` CVs; the same seed always yields the same CVs in the same order."""
    rng = random.Random(seed)
    for i in range(count):
        yield make_cv(rng, i, seed, pick_occupation(rng, COMMON_SHARE))


def unemployed_since(rng: random.Random) -> date:
    """A start of unemployment in the demo's past (only ever a case fact)."""
    return REFERENCE_DATE - timedelta(days=rng.randint(7, 720))
