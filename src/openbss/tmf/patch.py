"""PATCH documents: JSON Merge Patch (RFC 7396) and JSON Patch (RFC 6902)."""

from __future__ import annotations

import copy
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


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _fail("path", "jsonPatch.pointer", f"'{path}' is not a JSON pointer")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str], path: str) -> Any:
    node = doc
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise _fail("path", "jsonPatch.missing", f"'{path}' does not exist in the resource")
    return node


def _add(doc: Any, parts: list[str], value: Any, path: str) -> Any:
    if not parts:
        return value
    parent = _walk(doc, parts[:-1], path)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise _fail("path", "jsonPatch.index", f"'{path}' is not a valid array position")
    else:
        raise _fail("path", "jsonPatch.parent", f"the parent of '{path}' is not an object or array")
    return doc


def _remove(doc: Any, parts: list[str], path: str) -> Any:
    if not parts:
        raise _fail("path", "jsonPatch.root", "the whole resource cannot be removed")
    parent = _walk(doc, parts[:-1], path)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        del parent[int(last)]
    else:
        raise _fail("path", "jsonPatch.missing", f"'{path}' does not exist in the resource")
    return doc


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 on a copy of ``target``; the whole patch applies or nothing does."""
    if not isinstance(operations, list):
        raise _fail("body", "jsonPatch.array", "a JSON Patch body must be an array of operations")
    doc = copy.deepcopy(target)
    for index, op in enumerate(operations):
        if not isinstance(op, dict) or not isinstance(op.get("op"), str) or not isinstance(op.get("path"), str):
            raise _fail(f"[{index}]", "jsonPatch.operation", "each operation needs string 'op' and 'path'")
        name, path = op["op"], op["path"]
        parts = _pointer(path)
        if name in ("add", "replace", "test") and "value" not in op:
            raise _fail(f"[{index}].value", "jsonPatch.value", f"'{name}' needs a 'value'")
        if name == "add":
            doc = _add(doc, parts, copy.deepcopy(op["value"]), path)
        elif name == "remove":
            doc = _remove(doc, parts, path)
        elif name == "replace":
            _walk(doc, parts, path)
            doc = _add(_remove(doc, parts, path), parts, copy.deepcopy(op["value"]), path) if parts else op["value"]
        elif name in ("move", "copy"):
            source = op.get("from")
            if not isinstance(source, str):
                raise _fail(f"[{index}].from", "jsonPatch.from", f"'{name}' needs a 'from' pointer")
            from_parts = _pointer(source)
            value = copy.deepcopy(_walk(doc, from_parts, source))
            if name == "move":
                if parts[: len(from_parts)] == from_parts and len(parts) > len(from_parts):
                    raise _fail(f"[{index}].from", "jsonPatch.move", "cannot move a value into itself")
                doc = _remove(doc, from_parts, source)
            doc = _add(doc, parts, value, path)
        elif name == "test":
            if _walk(doc, parts, path) != op["value"]:
                raise _fail(path, "jsonPatch.test", "the 'test' operation did not match")
        else:
            raise _fail(f"[{index}].op", "jsonPatch.op", f"unknown operation '{name}'")
    return doc
