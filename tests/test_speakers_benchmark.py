"""The pronoun-speaker benchmark's scoring and its label file (benchmarks/speakers.py)."""

import json

from benchmarks import speakers


def test_a_pronoun_left_unresolved_is_not_a_wrong_name():
    items = [{"key": "0", "holder": "Anthony Marsh"}] * 5
    held = ["Marsh", "Anthony Marsh", "he", "author", "Hulme"]
    s = speakers.score(items, held)
    assert (s["right"], s["wrong"], s["n"]) == (2 / 5, 1 / 5, 5)
    assert s["precision"] == 2 / 3


def test_the_label_file_holds_names_and_offsets_only_and_both_halves():
    labels = json.loads(speakers.LABELS.read_text(encoding="utf-8"))
    assert {tuple(sorted(i)) for i in labels} == {("holder", "key", "note", "offset", "pronoun")}
    assert all(i["pronoun"].lower() in ("he", "she") for i in labels)
    # a note is a reason in a few words, not a sentence of the article
    assert max(len(i["note"]) for i in labels) <= 80
    halves = {speakers.split_of(i["key"]) for i in labels}
    assert halves == {"dev", "test"}
