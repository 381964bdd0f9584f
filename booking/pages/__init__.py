"""Server-rendered pages: the customer's booking pages (and, later, the merchant's admin shells)."""
