"""The labelled corpus and the targets the detectors are held to (issue 8)."""
# Throughput is measured by `make bench` (bench/run.py), never asserted in a test.
from redaction.evaluate import evaluate, generate_corpus


def test_corpus_is_seeded_and_labelled():
    first = list(generate_corpus(50, seed=4))
    assert first == list(generate_corpus(50, seed=4))
    assert first != list(generate_corpus(50, seed=5))
    for text, context, expected, must_keep in first:
        assert context.keep_whole[0] in text
        for span, writing in expected:
            assert 0 <= span.start < span.end <= len(text) and writing
        for start, end, category in must_keep:
            assert 0 <= start < end <= len(text) and category


def test_targets_are_met():
    result = evaluate(3000, seed=11, show=False)
    kinds = result["kinds"]
    for kind in ("id_number", "bank_card", "phone"):
        assert kinds[kind]["recall"] == 1.0, kind
    # Every writing of a number is found.
    for (kind, writing), row in result["writings"].items():
        if kind in ("id_number", "bank_card", "phone"):
            assert row["recall"] == 1.0, (kind, writing)
    assert kinds["person_name"]["recall"] >= 0.995
    assert result["must_keep"]["share"] <= 0.001
