"""The demo data has customers in every state of the file, with valid identifiers."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from syres.customers import selectors
from syres.demo.customers import load_customers
from syres.domain.customers import valid_bank_identity, valid_siret, valid_vat_number

pytestmark = pytest.mark.django_db


def test_demo_customers_cover_every_state_and_loading_twice_changes_nothing() -> None:
    admin = get_user_model().objects.create_superuser(username="admin", password="x")
    messages: list[str] = []

    load_customers(staff=admin, echo=messages.append)
    load_customers(staff=admin, echo=messages.append)

    customers = list(selectors.search_customers(""))
    assert len(customers) == 6
    assert messages[-1] == "Clients de démonstration : 0 créé(s), 6 déjà présent(s)."
    states = {selectors.file_of(customer).status for customer in customers}
    assert states == {"draft", "submitted", "accepted", "rejected"}
    kinds = {customer.kind for customer in customers}
    assert kinds == {"company", "public_administration", "person"}
    for customer in customers:
        assert selectors.sites_of(customer).exists()
        assert customer.contacts.exists()
        valid_bank_identity(iban=customer.iban, bic=customer.bic)
        if customer.siren:
            valid_vat_number(vat_number=customer.vat_number, siren=customer.siren)
        for site in selectors.sites_of(customer):
            if site.siret:
                valid_siret(siret=site.siret, siren=customer.siren)
    accepted = [c for c in customers if selectors.file_of(c).status == "accepted"]
    assert all(selectors.customer_can_order(customer) for customer in accepted)
