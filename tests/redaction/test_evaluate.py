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


def test_number_writings_are_masked_seen_by_the_scanner_and_harm_nothing():
    """Issue 13: every writing of a number (dots, line breaks, Chinese numerals, digits appended,
    landlines with and without their area code) masked, the scanner seeing every one it looks
    for, nothing left for it once masked, and no date, amount, licence, batch or decision number
    or Chinese numeral text damaged."""
    result = evaluate(3000, seed=12, show=False)
    writings = result["writings"]
    for writing in ("dots", "fullwidth_dots", "line_break", "crlf", "appended", "chinese"):
        assert writings[("id_number", writing)]["expected"] >= 20, writing
    for writing in ("dots", "middle_dots", "line_break", "chinese", "spoken", "chinese_spaced", "landline_dots",
                    "landline_chinese", "landline_extension", "landline_local"):
        assert writings[("phone", writing)]["expected"] >= 20, writing
    for writing in ("dots4", "line_break"):
        assert writings[("bank_card", writing)]["expected"] >= 20, writing
    for (kind, writing), row in writings.items():
        if kind in ("id_number", "bank_card", "phone", "email"):
            assert row["recall"] == 1.0, (kind, writing)
            assert row["scan_recall"] == (None if writing.startswith("landline") else 1.0), (kind, writing)
    assert result["scan_after_masking"] == 0
    by_category = result["must_keep"]["by_category"]
    for category in ("date_dots", "amount_dots", "enumeration", "batch_number", "licence_number_0",
                     "traffic_decision_number", "chinese_numerals"):
        assert by_category[category]["values"] >= 20 and by_category[category]["damaged"] == 0, category


def test_particulars_are_masked_seen_by_the_scanner_and_harm_nothing():
    """Issue 13: identity documents, accounts, bank accounts, birth dates, plates and labelless
    addresses in every writing of the corpus masked; the scanner seeing each kind it looks for in
    the writings it reads; treasury and business accounts, certificates, licence numbers, dates,
    a business's address and hometowns untouched."""
    from redaction.particulars_corpus import evaluate_particulars

    result = evaluate_particulars(1500, seed=13)
    kinds = {kind for kind, _ in result["writings"]}
    assert kinds == {"document_number", "account", "bank_account", "birth_date", "plate", "address"}
    for (kind, writing), row in result["writings"].items():
        assert row["expected"] >= 20 and row["recall"] == 1.0, (kind, writing)
        if writing not in ("wechat_chinese", "chinese_numerals"):  # (the scanner's stricter patterns)
            assert row["scanner"] in (None, 1.0), (kind, writing)
    for category, row in result["must_keep"].items():
        assert row["values"] >= 20 and row["damaged"] == 0, category
