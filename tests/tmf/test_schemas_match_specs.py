"""Check the hand-written TMF models against the swagger files they implement.

For every resource the swagger's POST body, PATCH body and GET response
definitions are looked up, then every definition they reach.  Each one must
have a model of the same name (without the underscore) in the API's module
(or in ``openbss.tmf.common_schemas``), and that model must carry the same
wire attribute names, required attributes, enum values and attribute kinds.

Deliberate deviations, checked as such:

* ``X_Update`` models require nothing, whatever the swagger's ``required``
  list says (a PATCH body is partial).
* A model shared by several definitions (the same name in several APIs)
  carries the union of their attributes and requires only what every
  variant requires.
"""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
import pytest
from pydantic import BaseModel, ValidationError

from openbss.accounts import schemas as account_schemas
from openbss.accounts.schemas import BillingAccountCreate, Money
from openbss.customers import schemas as customer_schemas
from openbss.customers.schemas import CustomerCreate, CustomerUpdate
from openbss.parties import role_schemas
from openbss.parties import schemas as party_schemas
from openbss.parties.schemas import Individual, IndividualCreate, IndividualUpdate, OrganizationCreate
from openbss.tmf import common_schemas
from openbss.tmf.common_schemas import RelatedParty

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "specs"

APIS: dict[str, tuple[str, types.ModuleType]] = {
    "TMF632": ("TMF632-Party-v4.0.0.swagger.json", party_schemas),
    "TMF669": ("TMF669-PartyRole-v4.0.0.swagger.json", role_schemas),
    "TMF629": ("TMF629-Customer-v4.0.0.swagger.json", customer_schemas),
    "TMF666": ("TMF666-Account-v4.0.0.swagger.json", account_schemas),
}

EXPECTED_RESOURCES = {
    "TMF632": {"individual", "organization"},
    "TMF669": {"partyRole"},
    "TMF629": {"customer"},
    "TMF666": {
        "partyAccount",
        "billingAccount",
        "settlementAccount",
        "financialAccount",
        "billFormat",
        "billingCycleSpecification",
        "billPresentationMedia",
    },
}

ANY_DEFINITION = "Any"

# Attributes openbss adds on purpose beyond the v4 swagger, each documented in docs/api.md.
# TMF669 PartyRole: the conformance kit expects `roleType`, which the v4.0.0 swagger lacks.
DOCUMENTED_EXTENSIONS: dict[str, set[str]] = {
    "PartyRoleCreate": {"roleType"},
    "PartyRoleUpdate": {"roleType"},
    "PartyRole": {"roleType"},
}


@cache
def load_spec(api: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((SPEC_DIR / APIS[api][0]).read_text(encoding="utf-8"))
    return spec


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def resource_definitions(api: str) -> dict[str, tuple[str, str, str]]:
    """Resource path name -> (create, update, resource) definition names, read from the paths."""
    paths = load_spec(api)["paths"]
    result: dict[str, tuple[str, str, str]] = {}
    for path, operations in paths.items():
        name = path.strip("/")
        if "/" in name or "post" not in operations or name in ("hub",):
            continue
        item = paths[f"/{name}/{{id}}"]

        def body(op: dict[str, Any]) -> str:
            (param,) = [p for p in op["parameters"] if p["in"] == "body"]
            return ref_name(param["schema"]["$ref"])

        resource = ref_name(item["get"]["responses"]["200"]["schema"]["$ref"])
        result[name] = (body(operations["post"]), body(item["patch"]), resource)
    return result


def iter_refs(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield ref_name(value)
            else:
                yield from iter_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_refs(value)


def reachable_definitions(api: str) -> set[str]:
    definitions = load_spec(api)["definitions"]
    seen: set[str] = set()
    stack = [name for triple in resource_definitions(api).values() for name in triple]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(iter_refs(definitions[name]))
    return seen


def is_enum_definition(definition: dict[str, Any]) -> bool:
    return "enum" in definition and "properties" not in definition


def model_for(api: str, definition_name: str) -> Any:
    """The model (or Literal alias) implementing a definition, by naming convention."""
    module = APIS[api][1]
    python_name = definition_name.replace("_", "")
    found = getattr(module, python_name, None) or getattr(common_schemas, python_name, None)
    assert found is not None, f"{api}: no model for definition {definition_name}"
    return found


def object_definitions(api: str) -> list[str]:
    definitions = load_spec(api)["definitions"]
    return sorted(
        name
        for name in reachable_definitions(api)
        if name != ANY_DEFINITION and not is_enum_definition(definitions[name])
    )


def all_object_definitions() -> list[tuple[str, str]]:
    return [(api, name) for api in APIS for name in object_definitions(api)]


def variants_of(model: type[BaseModel]) -> list[tuple[str, str]]:
    """Every (api, definition) that this model implements."""
    return [(api, name) for api, name in all_object_definitions() if model_for(api, name) is model]


# --- kinds -------------------------------------------------------------------------


def spec_kind(api: str, prop: dict[str, Any]) -> Any:
    definitions = load_spec(api)["definitions"]
    if "$ref" in prop:
        name = ref_name(prop["$ref"])
        target = definitions[name]
        if name == ANY_DEFINITION:
            return "any"
        if is_enum_definition(target):
            return ("enum", tuple(sorted(target["enum"])))
        return ("ref", model_for(api, name))
    kind = prop.get("type")
    if "enum" in prop:
        return ("enum", tuple(sorted(prop["enum"])))
    if kind == "string":
        return "date-time" if prop.get("format") == "date-time" else "string"
    if kind in ("number", "integer", "boolean"):
        return kind
    if kind == "array":
        return ("array", spec_kind(api, prop["items"]))
    if kind == "object" and "properties" not in prop:
        return "object"
    raise AssertionError(f"unexpected swagger property {prop}")


def strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        assert len(args) == 1, annotation
        return args[0]
    return annotation


def model_kind(annotation: Any) -> Any:
    annotation = strip_optional(annotation)
    if hasattr(annotation, "__metadata__"):  # Annotated[...]
        annotation = annotation.__origin__
    simple = {str: "string", datetime: "date-time", Decimal: "number", int: "integer", bool: "boolean"}
    if annotation is Any:
        return "any"
    if annotation in simple:
        return simple[annotation]
    if get_origin(annotation) is Literal:
        return ("enum", tuple(sorted(get_args(annotation))))
    if get_origin(annotation) is list:
        return ("array", model_kind(get_args(annotation)[0]))
    if get_origin(annotation) is dict or annotation is dict:
        return "object"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("ref", annotation)
    raise AssertionError(f"unexpected annotation {annotation!r}")


def wire_fields(model: type[BaseModel]) -> dict[str, Any]:
    return {(info.alias or name): info for name, info in model.model_fields.items()}


# --- structural tests -------------------------------------------------------------


@pytest.mark.parametrize("api", sorted(APIS))
def test_resource_models_match_paths(api: str) -> None:
    module = APIS[api][1]
    triples = resource_definitions(api)
    assert set(triples) == EXPECTED_RESOURCES[api]
    assert set(module.RESOURCE_MODELS) == set(triples)
    for name, definition_names in triples.items():
        assert module.RESOURCE_MODELS[name] == tuple(model_for(api, d) for d in definition_names)


@pytest.mark.parametrize("api", sorted(APIS))
def test_enum_definitions(api: str) -> None:
    definitions = load_spec(api)["definitions"]
    for name in reachable_definitions(api):
        if is_enum_definition(definitions[name]):
            alias = model_for(api, name)
            assert get_origin(alias) is Literal
            assert sorted(get_args(alias)) == sorted(definitions[name]["enum"])


@pytest.mark.parametrize(("api", "definition_name"), all_object_definitions())
def test_model_matches_definition(api: str, definition_name: str) -> None:
    model = model_for(api, definition_name)
    assert isinstance(model, type) and issubclass(model, BaseModel)
    assert model.__pydantic_complete__, f"{model.__name__} has unresolved forward references"
    variants = variants_of(model)
    all_definitions = {a: load_spec(a)["definitions"] for a in APIS}

    expected_props: set[str] = set()
    for variant_api, variant_name in variants:
        expected_props |= set(all_definitions[variant_api][variant_name].get("properties", {}))
    fields = wire_fields(model)
    assert set(fields) - DOCUMENTED_EXTENSIONS.get(model.__name__, set()) == expected_props

    required_sets = [
        set() if name.endswith("_Update") else set(all_definitions[a][name].get("required", [])) for a, name in variants
    ]
    expected_required = set.intersection(*required_sets)
    actual_required = {wire for wire, info in fields.items() if info.is_required()}
    assert actual_required == expected_required

    definition = all_definitions[api][definition_name]
    for prop_name, prop in definition.get("properties", {}).items():
        info = fields[prop_name]
        assert model_kind(info.annotation) == spec_kind(api, prop), f"{definition_name}.{prop_name}"
        if not info.is_required():
            assert info.default is None, f"{definition_name}.{prop_name} must default to None"
        min_lengths = [m.min_length for m in info.metadata if isinstance(m, annotated_types.MinLen)]
        assert min_lengths == ([prop["minItems"]] if "minItems" in prop else []), prop_name


def test_every_reachable_definition_is_covered() -> None:
    # 11 resources x 3 forms plus the sub-structures; guards against the path
    # walk silently finding nothing.
    assert len({model_for(api, name) for api, name in all_object_definitions()}) >= 60


# --- behaviour ----------------------------------------------------------------------

PARTY_REF = {"id": "42", "@referredType": "Individual", "name": "Ada"}


def test_individual_create_requires_given_name() -> None:
    with pytest.raises(ValidationError) as info:
        IndividualCreate.model_validate({"familyName": "Lovelace"})
    assert [e["loc"] for e in info.value.errors()] == [("givenName",)]
    IndividualUpdate.model_validate({})


def test_unknown_enum_value_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Individual.model_validate({"id": "1", "status": "deceased"})
    with pytest.raises(ValidationError):
        OrganizationCreate.model_validate({"tradingName": "ACME", "status": "validated-ish"})
    assert Individual.model_validate({"id": "1", "status": "deceaded"}).status == "deceaded"


def test_polymorphism_attributes_round_trip() -> None:
    payload = {
        "givenName": "Ada",
        "familyName": "Lovelace",
        "@type": "Individual",
        "@baseType": "Party",
        "contactMedium": [{"mediumType": "email", "characteristic": {"emailAddress": "ada@example.org"}}],
        "relatedParty": [PARTY_REF],
        "someExtension": {"x": 1},
    }
    model = IndividualCreate.model_validate(payload)
    assert model.type_ == "Individual"
    assert model.model_dump(by_alias=True, exclude_unset=True, mode="json") == payload


def test_python_names_are_accepted_too() -> None:
    party = RelatedParty(id="1", referred_type="Organization")
    assert party.model_dump(by_alias=True, exclude_none=True) == {"id": "1", "@referredType": "Organization"}


def test_related_party_requires_referred_type() -> None:
    with pytest.raises(ValidationError):
        RelatedParty.model_validate({"id": "1"})


def test_money_stays_decimal() -> None:
    money = Money.model_validate({"unit": "EUR", "value": 0.1})
    assert isinstance(money.value, Decimal)
    assert money.value + Decimal("0.2") == Decimal("0.3")
    assert Money.model_validate({"value": "12.345"}).value == Decimal("12.345")
    with pytest.raises(ValidationError):
        Money.model_validate({"value": "NaN"})


def test_billing_account_needs_at_least_one_related_party() -> None:
    with pytest.raises(ValidationError):
        BillingAccountCreate.model_validate({"name": "main", "relatedParty": []})
    account = BillingAccountCreate.model_validate(
        {"name": "main", "relatedParty": [PARTY_REF], "creditLimit": {"unit": "EUR", "value": "100.00"}}
    )
    assert account.creditLimit is not None and account.creditLimit.value == Decimal("100.00")


def test_customer_forms() -> None:
    with pytest.raises(ValidationError):
        CustomerCreate.model_validate({"name": "Ada"})
    CustomerCreate.model_validate({"name": "Ada", "engagedParty": PARTY_REF})
    CustomerUpdate.model_validate({"status": "approved"})


def test_naive_date_time_is_read_as_utc() -> None:
    individual = Individual.model_validate({"id": "1", "birthDate": "1815-12-10T00:00:00"})
    assert individual.birthDate == datetime(1815, 12, 10, tzinfo=UTC)
