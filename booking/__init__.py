"""The booking domain: packages, the credit ledger, availability and bookings."""
