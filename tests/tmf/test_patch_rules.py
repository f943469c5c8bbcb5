"""Unit tests of JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902) in openbss.tmf.patch."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbss.tmf.patch import PatchError, json_equal, json_patch, merge_patch

DOC: dict[str, Any] = {
    "givenName": "Jane",
    "tags": ["a", "b"],
    "validFor": {"startDateTime": "2020-01-01"},
    "a/b": 1,
    "m~n": 2,
    "score": 1,
    "flag": True,
}

relaxed = settings(deadline=None)  # no per-example deadline: a loaded machine is not a bug


# --- merge patch --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [  # the examples of RFC 7396, appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_rfc_examples(target: Any, patch: Any, result: Any) -> None:
    before = copy.deepcopy(target)
    assert merge_patch(target, patch) == result
    assert target == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text("abc", max_size=2), kids, max_size=3),
    max_leaves=10,
)
json_objects = st.dictionaries(st.text("abc", max_size=2), json_values, max_size=4)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


@relaxed
@given(json_objects, json_objects)
def test_merge_patch_is_idempotent_and_leaves_no_nulls_behind(target: dict[str, Any], patch: dict[str, Any]) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once
    for key, value in patch.items():
        if value is None:
            assert key not in once
        elif not isinstance(value, dict):
            assert once[key] == value
    for key in set(target) - set(patch):
        assert once[key] == target[key]


@relaxed
@given(json_objects)
def test_merging_a_document_into_nothing_drops_its_nulls(doc: dict[str, Any]) -> None:
    assert merge_patch({}, doc) == _without_nulls(doc)


# --- JSON patch ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ops", "changes"),
    [
        ([{"op": "add", "path": "/familyName", "value": "Doe"}], {"familyName": "Doe"}),
        ([{"op": "add", "path": "/givenName", "value": "Jo"}], {"givenName": "Jo"}),  # add replaces a member
        ([{"op": "add", "path": "/tags/1", "value": "x"}], {"tags": ["a", "x", "b"]}),
        ([{"op": "add", "path": "/tags/-", "value": "z"}], {"tags": ["a", "b", "z"]}),
        ([{"op": "add", "path": "/tags/2", "value": "z"}], {"tags": ["a", "b", "z"]}),
        ([{"op": "remove", "path": "/tags/0"}], {"tags": ["b"]}),
        ([{"op": "replace", "path": "/tags/0", "value": "q"}], {"tags": ["q", "b"]}),
        (
            [{"op": "replace", "path": "/validFor/startDateTime", "value": "x"}],
            {"validFor": {"startDateTime": "x"}},
        ),
        ([{"op": "move", "from": "/tags/0", "path": "/tags/-"}], {"tags": ["b", "a"]}),
        ([{"op": "copy", "from": "/validFor", "path": "/v2"}], {"v2": {"startDateTime": "2020-01-01"}}),
        ([{"op": "replace", "path": "/a~1b", "value": 5}], {"a/b": 5}),
        ([{"op": "replace", "path": "/m~0n", "value": 5}], {"m~n": 5}),
        ([{"op": "test", "path": "/score", "value": Decimal("1.0")}], {}),
        (
            [{"op": "test", "path": "/tags", "value": ["a", "b"]}, {"op": "remove", "path": "/tags"}],
            {"tags": None},
        ),
        ([], {}),
    ],
)
def test_json_patch_operations(ops: list[dict[str, Any]], changes: dict[str, Any]) -> None:
    expected = {**DOC, **changes}
    expected = {k: v for k, v in expected.items() if v is not None}
    before = copy.deepcopy(DOC)
    assert json_patch(DOC, ops) == expected
    assert before == DOC


@pytest.mark.parametrize(
    ("ops", "field", "rule"),
    [
        ({"op": "add"}, "body", "jsonPatch.array"),
        ([{"op": "add", "path": "/x"}], "[0].value", "jsonPatch.value"),
        (["add"], "[0]", "jsonPatch.operation"),
        ([{"path": "/x"}], "[0]", "jsonPatch.operation"),
        ([{"op": "add", "path": "x", "value": 1}], "[0].path", "jsonPatch.pointer"),
        ([{"op": "add", "path": "/nope/x", "value": 1}], "[0].path", "jsonPatch.missing"),
        ([{"op": "add", "path": "/tags/3", "value": 1}], "[0].path", "jsonPatch.index"),
        ([{"op": "add", "path": "/tags/01", "value": 1}], "[0].path", "jsonPatch.index"),
        ([{"op": "add", "path": "/givenName/x", "value": 1}], "[0].path", "jsonPatch.parent"),
        ([{"op": "remove", "path": "/nope"}], "[0].path", "jsonPatch.missing"),
        ([{"op": "remove", "path": "/tags/2"}], "[0].path", "jsonPatch.missing"),
        ([{"op": "remove", "path": "/tags/-1"}], "[0].path", "jsonPatch.missing"),
        ([{"op": "remove", "path": ""}], "[0].path", "jsonPatch.root"),
        ([{"op": "replace", "path": "/nope", "value": 1}], "[0].path", "jsonPatch.missing"),
        ([{"op": "move", "path": "/x"}], "[0].from", "jsonPatch.from"),
        ([{"op": "move", "from": "/nope", "path": "/x"}], "[0].from", "jsonPatch.missing"),
        ([{"op": "move", "from": "/validFor", "path": "/validFor/x"}], "[0].from", "jsonPatch.move"),
        ([{"op": "test", "path": "/givenName", "value": "John"}], "[0].value", "jsonPatch.test"),
        ([{"op": "test", "path": "/flag", "value": 1}], "[0].value", "jsonPatch.test"),
        ([{"op": "test", "path": "/score", "value": True}], "[0].value", "jsonPatch.test"),
        ([{"op": "test", "path": "/nope", "value": None}], "[0].path", "jsonPatch.missing"),
        (
            [{"op": "add", "path": "/ok", "value": 1}, {"op": "frobnicate", "path": "/x"}],
            "[1].op",
            "jsonPatch.op",
        ),
        ([{"op": "replace", "path": "", "value": [1]}], "body", "jsonPatch.result"),
        ([{"op": "add", "path": "", "value": "text"}], "body", "jsonPatch.result"),
    ],
)
def test_json_patch_problems_name_the_operation(ops: Any, field: str, rule: str) -> None:
    before = copy.deepcopy(DOC)
    with pytest.raises(PatchError) as caught:
        json_patch(DOC, ops)
    (problem,) = caught.value.problems
    assert (problem.field, problem.rule) == (field, rule)
    assert caught.value.status == 400
    assert before == DOC


def test_json_patch_may_replace_the_whole_object_with_an_object() -> None:
    assert json_patch(DOC, [{"op": "replace", "path": "", "value": {"x": 1}}]) == {"x": 1}


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        (1, 1, True),
        (1, Decimal("1.00"), True),
        (True, 1, False),
        (1, True, False),
        (False, 0, False),
        (None, None, True),
        (None, False, False),
        ("1", 1, False),
        ([1, [True]], [1, [True]], True),
        ([1, [True]], [1, [1]], False),
        ({"a": 1}, {"a": 1}, True),
        ({"a": 1}, {"a": 1, "b": None}, False),
        ([1, 2], [2, 1], False),
        ({"a": [True]}, {"a": [1]}, False),
    ],
)
def test_json_equality(left: Any, right: Any, equal: bool) -> None:
    assert json_equal(left, right) is equal
    assert json_equal(right, left) is equal


@relaxed
@given(json_objects, st.data())
def test_add_then_remove_restores_and_test_checks_what_was_added(doc: dict[str, Any], data: st.DataObject) -> None:
    key = data.draw(st.text("xyz/~", min_size=1, max_size=3).filter(lambda k: k not in doc))
    value = data.draw(json_values)
    pointer = "/" + key.replace("~", "~0").replace("/", "~1")
    added = json_patch(
        doc,
        [
            {"op": "add", "path": pointer, "value": value},
            {"op": "test", "path": pointer, "value": copy.deepcopy(value)},
        ],
    )
    assert added[key] == value
    assert json_patch(added, [{"op": "remove", "path": pointer}]) == doc


@relaxed
@given(json_objects, json_objects)
def test_a_patch_is_all_or_nothing(doc: dict[str, Any], other: dict[str, Any]) -> None:
    snapshot = json.dumps(doc, sort_keys=True)
    ops = [{"op": "add", "path": f"/{k}", "value": v} for k, v in other.items() if "/" not in k and "~" not in k]
    ops.append({"op": "test", "path": "/__absent__", "value": 1})
    with pytest.raises(PatchError):
        json_patch(doc, ops)
    assert json.dumps(doc, sort_keys=True) == snapshot
