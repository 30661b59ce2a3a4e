"""Real title forms (job ads, STAR's comma form, abbreviations) and the label-vector store."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from services.matching.occupations.data import english_labels, load_occupations
from services.matching.occupations.normalize import TitleNormalizer
from services.matching.occupations.variants import VARIANT_WEIGHT, title_variants
from services.ml.realistic import ad_form, build_realistic, star_form


def forms(title: str) -> list[str]:
    return [text for text, _ in title_variants(title)]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Social- og sundhedsassistent til hjemmeplejen", "social- og sundhedsassistent"),
        ("Erfaren lagermedarbejder søges", "lagermedarbejder"),
        ("Pædagog (m/k) 32 timer", "pædagog"),
        ("Receptionist, hotel", "hotelreceptionist"),
        ("Assistent, kontor", "kontorassistent"),
        ("Konsulent, it", "it-konsulent"),
        ("sosu-hjælper", "social- og sundhedshjælper"),
        ("SSA til plejecentret", "social- og sundhedsassistent"),
        ("Tømrer/snedker", "snedker"),
        ("Barselsvikar: sygeplejerske", "sygeplejerske"),
        ("søger vi 2-3 pædagogmedhjælpere med 30 t/uge", "pædagogmedhjælper"),
        ("Vi søger 3 lærere på 37 timer", "lærer"),
        ("Servitrice", "tjener"),
        ("Bagersvend søges til bageri i Kolding", "bagersvend"),
    ],
)
def test_real_title_forms_yield_the_label_form(title: str, expected: str) -> None:
    assert expected in forms(title)


def test_literal_title_comes_first_and_rewrites_weigh_less() -> None:
    variants = title_variants("Erfaren lagermedarbejder søges")
    assert variants[0] == ("erfaren lagermedarbejder søges", 1.0)
    assert all(weight == VARIANT_WEIGHT < 1.0 for _, weight in variants[1:])
    assert title_variants("") == []


def test_specialties_in_esco_labels_are_not_cut_away() -> None:
    # " i …", " inden for …" and " til <activity>" name the specialty in ESCO labels.
    assert forms("ekspert i digital kriminalteknik") == ["ekspert i digital kriminalteknik"]
    assert "tekniker" not in forms("tekniker inden for asfaltproduktion")
    assert "medarbejder" not in forms("medarbejder til konservering af grøntsager")
    assert "sundhedsassistent" not in forms("social- og sundhedsassistent")


def test_noise_variants_rank_the_occupation_first_lexically() -> None:
    normalizer = TitleNormalizer(load_occupations(), embedder=None, extra_labels=english_labels())
    titles = [
        "Erfaren lagermedarbejder søges til vores lager i Kolding",
        "Social- og sundhedsassistent til hjemmeplejen (m/k) 32 timer",
        "Assistent, kontor",
    ]
    expected = ["lagermedarbejder", "social- og sundhedsassistent", "kontorassistent"]
    for title, label, matches in zip(
        titles, expected, normalizer.normalize_batch(titles, k=3), strict=True
    ):
        top = matches[0]
        assert label in [x.lower() for x in load_labels(top.uri)], (title, top)
        assert top.matched_label.lower() == label


def load_labels(uri: str) -> tuple[str, ...]:
    return next(o.labels for o in load_occupations() if o.uri == uri)


def test_constructed_forms_are_deterministic() -> None:
    import random

    assert star_form("kontorassistent", random.Random(1)) == "Assistent, kontor"
    assert star_form("klinisk psykolog", random.Random(1)) == "Psykolog, klinisk"
    assert star_form("social- og sundhedsassistent", random.Random(1)) is None
    assert ad_form("tømrer", random.Random(3)) == ad_form("tømrer", random.Random(3))
    first, second = build_realistic(), build_realistic()
    assert first.queries == second.queries
    assert {q.split for q in first.queries} == {"validation", "test"}


class CountingEmbedder:
    """A fake model: a fixed random vector per text, counting what it was asked to embed."""

    model_name = "counting"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        self.seen.extend(texts)
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=8) for t in texts]
        out = np.asarray(rows, dtype=np.float32).reshape(len(texts), 8)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_label_store_embeds_each_text_once_across_indexes(tmp_path: Path) -> None:
    occs = load_occupations()
    embedder = CountingEmbedder()
    small = TitleNormalizer(occs[:20], embedder=embedder, cache_dir=tmp_path)
    first = len(embedder.seen)
    assert first == len({label.lower() for o in occs[:20] for label in o.labels})
    # A larger index only embeds the labels the store lacks.
    large = TitleNormalizer(occs[:50], embedder=embedder, cache_dir=tmp_path)
    added = set(embedder.seen[first:])
    assert added.isdisjoint(embedder.seen[:first])
    assert small._label_emb is not None
    assert large._label_emb is not None
    np.testing.assert_array_equal(large._label_emb[: len(small.labels)], small._label_emb)
    # And a fresh process with the same model embeds nothing.
    again = CountingEmbedder()
    TitleNormalizer(occs[:50], embedder=again, cache_dir=tmp_path)
    assert again.seen == []


def test_unembedded_extra_labels_borrow_their_occupations_best_semantic_score() -> None:
    occs = load_occupations()[:30]
    extra = {o.uri: (f"english {i}", f"alt one {i}", f"alt two {i}") for i, o in enumerate(occs)}
    embedder = CountingEmbedder()
    full = TitleNormalizer(occs, embedder=embedder, extra_labels=extra)
    small = TitleNormalizer(occs, embedder=embedder, extra_labels=extra, embedded_extra=1)
    assert small._label_emb is not None
    assert full._label_emb is not None
    # Danish labels plus one English label per occupation get a vector, not the alternatives.
    assert len(small._label_emb) == len(full._label_emb) - 2 * len(occs)
    rows = ["tømrer", "english 3"]
    sem_full, sem_small = full.semantic_scores(rows), small.semantic_scores(rows)
    assert sem_full is not None
    assert sem_small is not None
    assert sem_small.shape == sem_full.shape
    for j, start in enumerate(small._starts):
        end = small._ends[j]
        run = slice(start, end)
        borrowed = ~small._embedded[run]
        assert borrowed.sum() == 2
        own = sem_full[:, run][:, ~borrowed]
        np.testing.assert_allclose(sem_small[:, run][:, ~borrowed], own, rtol=1e-6)
        np.testing.assert_allclose(
            sem_small[:, run][:, borrowed], np.repeat(own.max(axis=1, keepdims=True), 2, 1)
        )


def test_committed_pack_seeds_a_fresh_store_without_embedding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.matching.occupations import labelpack
    from services.matching.occupations.normalize import write_label_pack

    monkeypatch.setattr(labelpack, "PACK_DIR", tmp_path / "pack")
    occs = load_occupations()[:40]
    built = TitleNormalizer(occs, embedder=CountingEmbedder())
    key, size = write_label_pack(built)
    assert size > 0
    # int8 plus one float32 scale per row: about a quarter of float32 vectors.
    assert np.load(tmp_path / "pack" / f"vectors-{key}.int8.npy").dtype == np.int8
    fresh = CountingEmbedder()
    seeded = TitleNormalizer(occs, embedder=fresh, cache_dir=tmp_path / "store")
    assert fresh.seen == []
    assert seeded._label_emb is not None
    assert built._label_emb is not None
    cosines = (seeded._label_emb * built._label_emb).sum(axis=1)
    assert float(cosines.min()) > 0.999
    # Texts the pack lacks are still embedded.
    TitleNormalizer(load_occupations()[:45], embedder=fresh, cache_dir=tmp_path / "store")
    assert fresh.seen
    assert (tmp_path / "pack" / f"texts-{key}.txt").is_file()


def test_shared_alternative_label_prefers_the_occupation_named_like_it() -> None:
    # "pædagog" and "lagermedarbejder" are alternative labels of several
    # occupations; the one whose preferred label is also close should lead.
    normalizer = TitleNormalizer(load_occupations(), embedder=None, extra_labels=english_labels())
    pedagogue, warehouse = normalizer.normalize_batch(
        ["Pædagog (m/k) 32 timer", "Erfaren lagermedarbejder søges"], k=3
    )
    assert "pædagog" in pedagogue[0].label
    assert warehouse[0].label == "lagerarbejder"
    assert pedagogue[0].score > pedagogue[1].score
