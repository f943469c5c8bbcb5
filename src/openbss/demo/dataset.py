"""The demo data set, generated from a seed.

Everything here is pure: :func:`build_dataset` turns a seed and a customer
count into request bodies (TMF632 parties, TMF629 customers, TMF666 accounts
and catalogues, TMF669 party roles) using one :class:`random.Random`, so the
same seed always gives the same people, companies, numbers and addresses.
References between resources (a customer's ``engagedParty``, an account's
owner and bill structure) are filled in by :mod:`openbss.demo.loader` once
the referenced resource exists and has its id.

:class:`PartyFactory` is also what the API benchmark uses to make its
hundred thousand customers.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from openbss.demo.identifiers import fill_pattern, unique_phone, vat_number
from openbss.demo.locales import COUNTRIES, Country

__all__ = [
    "DEMO_MARKER",
    "AccountSpec",
    "CustomerSpec",
    "DemoDataset",
    "PartnerSpec",
    "PartyFactory",
    "PartySpec",
    "build_dataset",
]

Doc = dict[str, Any]

DEMO_MARKER = "openbss-demo-dataset"
"""``externalReference.name`` of the demo operator organization: its presence means the demo is loaded."""

# share of customers per country (the operator's home market first)
COUNTRY_WEIGHTS: dict[str, int] = {"GB": 30, "DE": 20, "FR": 15, "NL": 10, "ES": 10, "IE": 5, "US": 10}
_BY_CODE = {c.code: c for c in COUNTRIES}

_ORG_WORDS = (
    "Northwind",
    "Bluewater",
    "Greenfield",
    "Silverline",
    "Redwood",
    "Harbour",
    "Summit",
    "Brightstar",
    "Oakridge",
    "Riverside",
    "Highland",
    "Crescent",
    "Pioneer",
    "Evergreen",
    "Lakeside",
    "Granite",
    "Horizon",
    "Meridian",
    "Falcon",
    "Beacon",
    "Kestrel",
    "Juniper",
    "Copperfield",
    "Westgate",
)
_ORG_SECTORS = (
    "Logistics",
    "Foods",
    "Engineering",
    "Software",
    "Consulting",
    "Retail",
    "Media",
    "Health",
    "Construction",
    "Energy",
    "Textiles",
    "Motors",
    "Analytics",
    "Print",
    "Travel",
    "Dental",
    "Architects",
    "Bakery",
    "Fitness",
    "Legal",
)
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

# the catalogues every billing account refers to
BILL_FORMATS: tuple[Doc, ...] = (
    {"name": "Detailed invoice", "description": "Itemised bill: every charge, discount and usage record"},
    {"name": "Summary invoice", "description": "One line per product with the totals; details on request"},
)
BILLING_CYCLES: tuple[Doc, ...] = (
    {
        "name": "Monthly on day 1",
        "description": "Bills on the first day of every month",
        "frequency": "monthly",
        "billingPeriod": "month",
        "billingDateShift": 1,
        "chargeDateOffset": 0,
        "creditDateOffset": 0,
        "mailingDateOffset": 1,
        "paymentDueDateOffset": 14,
    },
    {
        "name": "Monthly on day 15",
        "description": "Bills on the fifteenth day of every month",
        "frequency": "monthly",
        "billingPeriod": "month",
        "billingDateShift": 15,
        "chargeDateOffset": 0,
        "creditDateOffset": 0,
        "mailingDateOffset": 1,
        "paymentDueDateOffset": 14,
    },
    {
        "name": "Quarterly",
        "description": "Bills on the first day of January, April, July and October",
        "frequency": "quarterly",
        "billingPeriod": "quarter",
        "billingDateShift": 1,
        "chargeDateOffset": 0,
        "creditDateOffset": 0,
        "mailingDateOffset": 2,
        "paymentDueDateOffset": 30,
    },
)
PRESENTATION_MEDIA: tuple[Doc, ...] = (
    {"name": "E-mail", "description": "PDF bill sent to the billing e-mail address"},
    {"name": "Paper", "description": "Printed bill sent by post to the billing address"},
    {"name": "Online portal", "description": "Bill published in the self-service portal"},
)


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (for e-mail local parts and domains)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in decomposed.lower() if ch.isascii() and ch.isalnum())


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


@dataclass(frozen=True)
class PartySpec:
    """A TMF632 party to create, and what its customer and accounts inherit from it."""

    kind: Literal["Individual", "Organization"]
    country: str
    currency: str
    language: str
    display_name: str
    body: Doc


@dataclass(frozen=True)
class AccountSpec:
    """A TMF666 billing account of one customer; catalogue entries are named, resolved at load."""

    name: str
    account_type: str
    state: str
    credit_limit: Decimal
    currency: str
    bill_format: str
    cycle: str
    media: tuple[str, ...]
    contact: tuple[Doc, ...] = ()


@dataclass(frozen=True)
class CustomerSpec:
    party: PartySpec
    status: str
    since: date
    characteristic: tuple[Doc, ...]
    credit_profile: tuple[Doc, ...]
    accounts: tuple[AccountSpec, ...]

    def body(self, party_id: str) -> Doc:
        """The TMF629 create body, engaged with the party that got ``party_id``."""
        doc: Doc = {
            "name": self.party.display_name,
            "status": self.status,
            "engagedParty": {
                "id": party_id,
                "name": self.party.display_name,
                "@referredType": self.party.kind,
            },
            "characteristic": [dict(c) for c in self.characteristic],
            "validFor": {"startDateTime": _midnight(self.since)},
        }
        if self.credit_profile:
            doc["creditProfile"] = [dict(c) for c in self.credit_profile]
        return doc


@dataclass(frozen=True)
class PartnerSpec:
    """A business partner organization and the TMF669 role it plays for the operator."""

    party: PartySpec
    role_name: str
    role_type: str


@dataclass(frozen=True)
class DemoDataset:
    seed: int
    operator: PartySpec
    partners: tuple[PartnerSpec, ...]
    customers: tuple[CustomerSpec, ...]
    bill_formats: tuple[Doc, ...] = BILL_FORMATS
    billing_cycles: tuple[Doc, ...] = BILLING_CYCLES
    presentation_media: tuple[Doc, ...] = PRESENTATION_MEDIA


@dataclass
class PartyFactory:
    """Makes believable, distinct parties: no two share an e-mail, phone, tax number or name and birth date.

    Distinct identities matter: the customer domain's duplicate detection
    would rightly flag two customers with the same e-mail or tax number.
    """

    rng: random.Random
    today: date = date(2025, 1, 1)
    _emails: set[str] = field(default_factory=set)
    _phones: set[str] = field(default_factory=set)
    _tax_numbers: set[str] = field(default_factory=set)
    _people: set[tuple[str, str, str]] = field(default_factory=set)
    _companies: set[str] = field(default_factory=set)

    def _company_name(self, country: Country) -> str:
        for attempt in range(100_000):
            name = f"{self.rng.choice(_ORG_WORDS)} {self.rng.choice(_ORG_SECTORS)}"
            if attempt >= 20:  # the common names are taken: add the home town, then a number
                name += f" {self.rng.choice(country.places).city}"
            if attempt >= 200:
                name += f" {attempt}"
            if name not in self._companies:
                return name
        raise RuntimeError("no company name left")

    def country(self) -> Country:
        code = self.rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
        return _BY_CODE[code]

    def _email(self, local: str, domain: str) -> str:
        address = f"{local}@{domain}"
        number = 1
        while address in self._emails:
            number += 1
            address = f"{local}{number}@{domain}"
        self._emails.add(address)
        return address

    def _postal(self, country: Country, contact_type: str) -> Doc:
        place = self.rng.choice(country.places)
        street = country.street_format.format(number=self.rng.randint(1, 180), street=self.rng.choice(country.streets))
        characteristic: Doc = {
            "contactType": contact_type,
            "street1": street,
            "city": place.city,
            "postCode": fill_pattern(self.rng, place.postcode),
            "country": country.code,
        }
        if place.region:
            characteristic["stateOrProvince"] = place.region
        return {"mediumType": "postalAddress", "characteristic": characteristic}

    def individual(self, country: Country | None = None) -> PartySpec:
        rng = self.rng
        country = country or self.country()
        while True:
            gender = rng.choice(("female", "male"))
            given = rng.choice(country.given_female if gender == "female" else country.given_male)
            family = rng.choice(country.family)
            born = _day(rng, date(1940, 1, 1), date(2006, 12, 31))
            if (given, family, born.isoformat()) not in self._people:
                self._people.add((given, family, born.isoformat()))
                break
        name = f"{given} {family}"
        email = self._email(f"{_ascii(given)}.{_ascii(family)}", rng.choice(_EMAIL_DOMAINS))
        phone = unique_phone(rng, country.mobile, country.mobile_overflow, self._phones, mobile=True)
        body: Doc = {
            "givenName": given,
            "familyName": family,
            "gender": gender,
            "birthDate": born.isoformat(),
            "nationality": country.code,
            "contactMedium": [
                {
                    "mediumType": "email",
                    "preferred": True,
                    "characteristic": {"contactType": "personal", "emailAddress": email},
                },
                {"mediumType": "mobile", "characteristic": {"contactType": "personal", "phoneNumber": phone}},
                self._postal(country, "home"),
            ],
            "languageAbility": [{"languageCode": country.language, "isFavouriteLanguage": True}],
        }
        if rng.random() < 0.35:
            issued = _day(rng, date(2016, 1, 1), self.today - timedelta(days=30))
            body["individualIdentification"] = [
                {
                    "identificationType": "passport",
                    "identificationId": fill_pattern(rng, country.passport),
                    "issuingAuthority": country.code,
                    "issuingDate": _midnight(issued),
                    "validFor": {
                        "startDateTime": _midnight(issued),
                        "endDateTime": _midnight(_years_later(issued, 10)),
                    },
                }
            ]
            body["status"] = "validated"
        return PartySpec("Individual", country.code, country.currency, country.language, name, body)

    def organization(self, country: Country | None = None, *, trading_name: str | None = None) -> PartySpec:
        rng = self.rng
        country = country or self.country()
        trading_name = trading_name or self._company_name(country)
        self._companies.add(trading_name)
        legal_name = f"{trading_name} {rng.choice(country.legal_forms)}"
        domain = f"{_ascii(trading_name)}.{rng.choice(_EMAIL_DOMAINS)}"
        tax_number = vat_number(rng, country.code, self._tax_numbers)
        founded = _day(rng, date(1950, 1, 1), date(2023, 12, 31))
        body: Doc = {
            "tradingName": trading_name,
            "name": legal_name,
            "isLegalEntity": True,
            "isHeadOffice": True,
            "organizationType": "company",
            "status": "validated",
            "existsDuring": {"startDateTime": _midnight(founded)},
            "organizationIdentification": [
                {
                    "identificationType": "taxId" if country.code == "US" else "VAT",
                    "identificationId": tax_number,
                    "issuingAuthority": country.code,
                }
            ],
            "contactMedium": [
                {
                    "mediumType": "email",
                    "preferred": True,
                    "characteristic": {
                        "contactType": "billing",
                        "emailAddress": self._email("billing", domain),
                    },
                },
                {
                    "mediumType": "phone",
                    "characteristic": {
                        "contactType": "office",
                        "phoneNumber": unique_phone(
                            rng, country.landline, country.landline_overflow, self._phones, mobile=False
                        ),
                    },
                },
                self._postal(country, "registered office"),
            ],
        }
        return PartySpec("Organization", country.code, country.currency, country.language, trading_name, body)


def _credit_limit(rng: random.Random, business: bool) -> Decimal:
    if business:
        return Decimal(rng.choice((5_000, 10_000, 20_000, 25_000, 50_000)))
    return Decimal(rng.choice((250, 500, 750, 1_000, 1_500, 2_000)))


def _accounts(rng: random.Random, party: PartySpec, status: str, since: date) -> tuple[AccountSpec, ...]:
    business = party.kind == "Organization"
    state = "active" if status == "approved" else "pending"
    if not business:
        return (
            AccountSpec(
                name=f"{party.display_name} - personal",
                account_type="residential",
                state=state,
                credit_limit=_credit_limit(rng, False),
                currency=party.currency,
                bill_format=rng.choices(("Summary invoice", "Detailed invoice"), weights=(3, 1))[0],
                cycle=rng.choices(("Monthly on day 1", "Monthly on day 15"), weights=(2, 1))[0],
                media=(rng.choices(("E-mail", "Online portal", "Paper"), weights=(6, 3, 1))[0],),
            ),
        )
    names = ["Head office", "Branch offices", "Field staff"][: rng.choices((1, 2, 3), weights=(5, 3, 1))[0]]
    contact = (
        {
            "contactType": "billing",
            "contactName": "Accounts payable",
            "validFor": {"startDateTime": _midnight(since)},
        },
    )
    return tuple(
        AccountSpec(
            name=f"{party.display_name} - {label}",
            account_type="business",
            state=state,
            credit_limit=_credit_limit(rng, True),
            currency=party.currency,
            bill_format="Detailed invoice",
            cycle=rng.choices(("Monthly on day 1", "Quarterly"), weights=(3, 1))[0],
            media=("E-mail", "Online portal") if rng.random() < 0.5 else ("Paper",),
            contact=contact,
        )
        for label in names
    )


def customer_spec(rng: random.Random, party: PartySpec, today: date) -> CustomerSpec:
    """A TMF629 customer (and its billing accounts) engaging ``party``."""
    business = party.kind == "Organization"
    status = "approved" if rng.random() < 0.7 else "initialized"
    since = _day(rng, date(2015, 1, 1), today - timedelta(days=1))
    characteristic: tuple[Doc, ...] = (
        {"name": "segment", "valueType": "string", "value": "business" if business else "residential"},
        # the category the catalog's market segments are matched against (offering eligibility)
        {"name": "customerCategory", "valueType": "string", "value": "business" if business else "residential"},
        {"name": "preferredLanguage", "valueType": "string", "value": party.language},
    )
    profile: tuple[Doc, ...] = ()
    if rng.random() < 0.4:
        checked = _day(rng, since, today)
        profile = (
            {
                "creditProfileDate": _midnight(checked),
                "creditRiskRating": rng.randint(1, 5),
                "creditScore": rng.randint(300, 850),
                "validFor": {
                    "startDateTime": _midnight(checked),
                    "endDateTime": _midnight(checked + timedelta(days=365)),
                },
            },
        )
    return CustomerSpec(party, status, since, characteristic, profile, _accounts(rng, party, status, since))


def build_dataset(seed: int = 42, customers: int = 300, *, today: date = date(2025, 1, 1)) -> DemoDataset:
    """The whole demo data set for ``seed``: about 75% private and 25% business customers."""
    if customers < 0:
        raise ValueError("the number of customers cannot be negative")
    rng = random.Random(seed)
    factory = PartyFactory(rng, today=today)
    home = _BY_CODE["GB"]
    operator = factory.organization(home, trading_name="Demo Telecom")
    operator.body["externalReference"] = [{"externalReferenceType": "dataset", "name": DEMO_MARKER}]
    operator.body["partyCharacteristic"] = [
        {"name": "demoSeed", "valueType": "integer", "value": seed},
        {"name": "demoCustomers", "valueType": "integer", "value": customers},
    ]
    partners = (
        PartnerSpec(factory.organization(home, trading_name="Highstreet Mobile Dealers"), "Dealer", "dealer"),
        PartnerSpec(factory.organization(_BY_CODE["DE"], trading_name="Nordlicht Handy Shop"), "Dealer", "dealer"),
        PartnerSpec(
            factory.organization(home, trading_name="Sterling Debt Recovery"),
            "Collection agency",
            "collectionAgency",
        ),
        PartnerSpec(
            factory.organization(_BY_CODE["NL"], trading_name="Lowlands Network Equipment"),
            "Supplier",
            "supplier",
        ),
        PartnerSpec(
            factory.organization(_BY_CODE["IE"], trading_name="Emerald Print and Post"),
            "Supplier",
            "supplier",
        ),
    )
    specs = []
    for _ in range(customers):
        party = factory.organization() if rng.random() < 0.25 else factory.individual()
        specs.append(customer_spec(rng, party, today))
    return DemoDataset(seed=seed, operator=operator, partners=partners, customers=tuple(specs))
