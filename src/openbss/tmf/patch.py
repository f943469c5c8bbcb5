"""PATCH documents: JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902).

Both work on a copy: the target is never changed, and a JSON Patch applies
whole or not at all. A problem with operation ``i`` of a JSON Patch names
the member at fault: ``[i].path``, ``[i].from``, ``[i].value`` or ``[i].op``.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from openbss.core.errors import ValidationFailed
from openbss.core.problems import FieldProblem

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


class PatchError(ValidationFailed):
    pass


def _fail(field: str, rule: str, message: str) -> PatchError:
    return PatchError(f"{field}: {message} [{rule}]", problems=[FieldProblem(field, rule, message)])


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_equal(left: Any, right: Any) -> bool:
    """Equality as RFC 6902 ``test`` defines it: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(left, bool) or isinstance(right, bool) or left is None or right is None:
        return type(left) is type(right) and left == right
    if isinstance(left, int | float | Decimal) and isinstance(right, int | float | Decimal):
        return bool(left == right)
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return False


class _Operation:
    """Where one operation of a JSON Patch reports its problems."""

    def __init__(self, index: int) -> None:
        self.index = index

    def fail(self, member: str, rule: str, message: str) -> PatchError:
        return _fail(f"[{self.index}].{member}", rule, message)


def _pointer(path: str, at: _Operation, member: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise at.fail(member, "jsonPatch.pointer", f"'{path}' is not a JSON pointer")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(part: str) -> int | None:
    """An array index as RFC 6901 writes it (no sign, no leading zero), else None."""
    if part.isdigit() and part.isascii() and (part == "0" or not part.startswith("0")):
        return int(part)
    return None


def _walk(doc: Any, parts: list[str], path: str, at: _Operation, member: str = "path") -> Any:
    node = doc
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and (i := _index(part)) is not None and i < len(node):
            node = node[i]
        else:
            raise at.fail(member, "jsonPatch.missing", f"'{path}' does not exist in the resource")
    return node


def _add(doc: Any, parts: list[str], value: Any, path: str, at: _Operation) -> Any:
    if not parts:
        return value
    parent = _walk(doc, parts[:-1], path, at)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        index = _index(last)
        if last == "-":
            parent.append(value)
        elif index is not None and index <= len(parent):
            parent.insert(index, value)
        else:
            raise at.fail("path", "jsonPatch.index", f"'{path}' is not a valid array position")
    else:
        raise at.fail("path", "jsonPatch.parent", f"the parent of '{path}' is not an object or array")
    return doc


def _remove(doc: Any, parts: list[str], path: str, at: _Operation, member: str = "path") -> Any:
    if not parts:
        raise at.fail(member, "jsonPatch.root", "the whole resource cannot be removed")
    parent = _walk(doc, parts[:-1], path, at, member)
    last = parts[-1]
    index = _index(last)
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and index is not None and index < len(parent):
        del parent[index]
    else:
        raise at.fail(member, "jsonPatch.missing", f"'{path}' does not exist in the resource")
    return doc


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 on a copy of ``target``; the whole patch applies or nothing does.

    When ``target`` is an object (a resource), the result must stay one.
    """
    if not isinstance(operations, list):
        raise _fail("body", "jsonPatch.array", "a JSON Patch body must be an array of operations")
    doc = copy.deepcopy(target)
    for index, op in enumerate(operations):
        at = _Operation(index)
        if not (isinstance(op, dict) and isinstance(op.get("op"), str) and isinstance(op.get("path"), str)):
            raise _fail(f"[{index}]", "jsonPatch.operation", "each operation needs string 'op' and 'path'")
        name, path = op["op"], op["path"]
        parts = _pointer(path, at, "path")
        if name in ("add", "replace", "test") and "value" not in op:
            raise at.fail("value", "jsonPatch.value", f"'{name}' needs a 'value'")
        if name == "add":
            doc = _add(doc, parts, copy.deepcopy(op["value"]), path, at)
        elif name == "remove":
            doc = _remove(doc, parts, path, at)
        elif name == "replace":
            _walk(doc, parts, path, at)
            value = copy.deepcopy(op["value"])
            doc = _add(_remove(doc, parts, path, at), parts, value, path, at) if parts else value
        elif name in ("move", "copy"):
            source = op.get("from")
            if not isinstance(source, str):
                raise at.fail("from", "jsonPatch.from", f"'{name}' needs a 'from' pointer")
            from_parts = _pointer(source, at, "from")
            value = copy.deepcopy(_walk(doc, from_parts, source, at, "from"))
            if name == "move":
                if parts[: len(from_parts)] == from_parts and len(parts) > len(from_parts):
                    raise at.fail("from", "jsonPatch.move", "cannot move a value into itself")
                doc = _remove(doc, from_parts, source, at, "from")
            doc = _add(doc, parts, value, path, at)
        elif name == "test":
            if not json_equal(_walk(doc, parts, path, at), op["value"]):
                raise at.fail("value", "jsonPatch.test", f"the value at '{path}' is not the one tested for")
        else:
            raise at.fail("op", "jsonPatch.op", f"unknown operation '{name}'")
    if isinstance(target, dict) and not isinstance(doc, dict):
        raise _fail("body", "jsonPatch.result", "the patched resource must remain a JSON object")
    return doc
