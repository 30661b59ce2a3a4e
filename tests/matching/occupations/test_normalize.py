"""Title normalisation finds the right ESCO occupation for real Danish titles."""

import pytest

from services.matching.occupations.data import Occupation, english_labels, load_occupations
from services.matching.occupations.normalize import (
    TitleNormalizer,
    clean_title,
    occupation_by_uri,
    occupations,
)

# (title as a jobseeker or employer writes it, expected preferred label, allowed rank)
REAL_TITLES = [
    ("sosu-hjælper", "social- og sundhedshjælper", 1),
    ("Social- og sundhedsassistent", "social- og sundhedsassistent", 2),
    ("lagerarbejder", "lagerarbejder", 3),
    ("Lagermedarbejder (m/k)", "lagerarbejder", 3),
    ("tømrer", "tømrer", 2),
    ("buschauffør", "buschauffør", 1),
    ("Buschauffør til rutekørsel", "buschauffør", 3),
    ("regnskabsmedarbejder", "bogholderiassistent", 2),
    ("sygeplejerske", "sygeplejerske", 3),
]


@pytest.mark.slow
@pytest.mark.parametrize(("title", "expected", "within"), REAL_TITLES)
def test_real_danish_title_finds_its_occupation(
    normalizer: TitleNormalizer, title: str, expected: str, within: int
) -> None:
    labels = [m.label for m in normalizer.normalize(title, k=10)]
    assert expected in labels[:within], labels


@pytest.mark.slow
def test_matches_carry_isco_unit_group_and_sorted_scores(normalizer: TitleNormalizer) -> None:
    matches = normalizer.normalize("buschauffør", k=5)
    assert len(matches) == 5
    assert matches[0].isco_group == "8331"
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert matches[0].matched_label == "buschauffør"


@pytest.mark.slow
def test_batch_gives_the_same_ranking_as_single_titles(normalizer: TitleNormalizer) -> None:
    titles = ["tømrer", "", "lagerarbejder"]
    batch = normalizer.normalize_batch(titles, k=3)
    assert batch[1] == []
    assert [m.uri for m in batch[0]] == [m.uri for m in normalizer.normalize("tømrer", k=3)]


def test_every_occupation_has_a_four_digit_isco_group() -> None:
    occs = occupations()
    assert len(occs) == 2942
    assert all(len(o.isco_group) == 4 and o.isco_group.isdigit() for o in occs)


def test_occupation_by_uri_returns_labels_preferred_first() -> None:
    occ = occupations()[0]
    found = occupation_by_uri(occ.uri)
    assert found == occ
    assert found.labels[0] == found.preferred_label
    assert occupation_by_uri("http://example.org/nope") is None


def test_clean_title_drops_gender_marker_and_case() -> None:
    assert clean_title("Lagermedarbejder (m/k)") == "lagermedarbejder"
    assert clean_title("  Pædagog / Pædagogmedhjælper ") == "pædagog pædagogmedhjælper"


def test_lexical_normaliser_ranks_compound_by_character_ngrams() -> None:
    occs = [
        Occupation("u:1", "buschauffør", "8331", ("buschauffør", "rutebuschauffør")),
        Occupation("u:2", "lastbilchauffør", "8332", ("lastbilchauffør",)),
        Occupation("u:3", "bager", "7512", ("bager",)),
    ]
    lexical = TitleNormalizer(occs, embedder=None)
    matches = lexical.normalize("skolebuschauffør", k=3)
    assert [m.uri for m in matches][:2] == ["u:1", "u:2"]
    assert matches[0].matched_label in {"buschauffør", "rutebuschauffør"}
    assert lexical.normalize("   ", k=3) == []


def test_english_labels_join_their_occupation_without_the_model() -> None:
    lexical = TitleNormalizer(load_occupations(), embedder=None, extra_labels=english_labels())
    top = lexical.normalize("key account manager", k=5)
    assert top[0].matched_label.lower() == "key account manager"
    # A Danish title still matches its Danish preferred label first.
    assert lexical.normalize("buschauffør", k=1)[0].label == "buschauffør"
