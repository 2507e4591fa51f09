"""Payments, disputes and dunning, pure (SPEC §7: R-PAY-1 … R-PAY-4; CGV art. 7, 15, 16).

- `allocation`: payments shared among invoices, over-payment kept as credit, rejected debits;
- `disputes`: the 30-day window, the held amount, acceptance (credit note) and rejection;
- `penalties`: late-payment penalties (L441-10) and the 40 € indemnity (D441-5);
- `dunning`: the schedule of the terms file, walked one step at a time, idempotent per date;
- `suspensions`: suspensions, their reasons and the *suspend* / *resume* network actions;
- `sepa`: collection dates, sequence types, return reason codes;
- `statements`: bank statement lines and their matching to invoices.
"""
