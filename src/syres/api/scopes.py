"""What an API token may do. A token carries a list of scopes; each operation requires one."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "catalog:read": "Lire le catalogue et les conditions (plateformes, limites)",
    "customers:read": "Lire les clients, sites et contacts",
    "customers:write": "Créer et modifier des clients",
    "orders:read": "Lire devis et commandes",
    "orders:write": "Créer devis et commandes",
    "services:read": "Lire contrats et services",
    "invoices:read": "Lire les factures (PDF et XML Factur-X)",
    "payments:read": "Lire les paiements",
    "payments:write": "Enregistrer des paiements",
    "usage:read": "Lire les consommations valorisées",
    "usage:write": "Importer des consommations",
}


def unknown_scopes(scopes: list[str]) -> list[str]:
    return [scope for scope in scopes if scope not in SCOPES]
