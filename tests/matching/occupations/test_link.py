"""The occupation linker: top links with calibrated confidence, no trust in misleading labels."""

import json

import pytest

from services.matching.occupations import link
from services.matching.occupations.link import (
    CALIBRATION_FILE,
    Link,
    cv_title_links,
    is_comma_form,
    link_titles,
    link_titles_scored,
    order_links,
)
from services.matching.occupations.normalize import TitleNormalizer, occupations


def test_star_comma_forms_are_recognised() -> None:
    assert is_comma_form("Chauffør, persontransport")
    assert is_comma_form("Servicetekniker, jern og metal")
    assert not is_comma_form("Buschauffør til rutekørsel")
    assert not is_comma_form(", kontor")


def test_calibration_was_fitted_on_dev_validation_data_and_is_reliable() -> None:
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    assert "validation" in data["fitted_on"]
    for kind in ("model", "lexical"):
        bins = data[kind]["reliability"]
        # Predicted and observed shares agree per bin (isotonic on the fitting data).
        assert all(abs(b["predicted"] - b["observed"]) < 0.05 for b in bins)
        assert data[kind]["brier"] < 0.1


def test_a_mediator_chosen_occupation_is_certain_and_skips_the_linker() -> None:
    occ = occupations()[0]
    (only,) = order_links("Designer", occ.uri)
    assert only == Link(occ.uri, occ.isco_group, "", 1.0)


@pytest.mark.slow
def test_confidences_are_probabilities_that_sum_to_at_most_one(
    normalizer: TitleNormalizer,
) -> None:
    titles = ["Buschauffør", "lagerarbejder", "Chauffør, persontransport", "xkcd qwzzv", "pilot"]
    for links in link_titles_scored(titles):
        assert links
        assert all(0.0 <= x.confidence <= 1.0 for x in links)
        assert sum(x.confidence for x in links) <= 1.0 + 1e-6
        assert [x.confidence for x in links] == sorted((x.confidence for x in links), reverse=True)


@pytest.mark.slow
def test_an_unambiguous_preferred_label_links_with_high_confidence(
    normalizer: TitleNormalizer,
) -> None:
    ((top, *_),) = link_titles_scored(["Buschauffør"])
    assert top.label == "buschauffør"
    assert top.confidence >= 0.8


@pytest.mark.slow
@pytest.mark.parametrize("title", ["pilot", "sagsbehandler"])
def test_a_generic_word_that_one_occupation_owns_is_not_trusted(
    normalizer: TitleNormalizer, title: str
) -> None:
    # Danish ESCO gives "pilot" only to *pilot i flyvevåbnet* and "sagsbehandler"
    # only to *skadebehandler*; the old exact-label shortcut linked them outright.
    (links,) = link_titles_scored([title])
    assert links[0].confidence < link.SHOW_MIN_CONFIDENCE
    assert link_titles([title]) == [None]


@pytest.mark.slow
def test_a_label_several_occupations_share_links_a_cv_to_each_owner(
    normalizer: TitleNormalizer,
) -> None:
    (links,) = cv_title_links(["skodesigner"])
    assert {x.label for x in links} >= {"fodtøjsdesigner", "modedesigner"}
